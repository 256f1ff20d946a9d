import type { MlflowServerSize } from '../../../constructs';

/** One list price: what a unit costs in one region, and where and when the figure was read. */
export interface ListPrice {
  /** US dollars per `unit`. */
  readonly usd: number;
  /** What one unit is: `instance-hour`, `AZ-hour`, `key-month`, ... */
  readonly unit: string;
  /** The public AWS pricing page the figure comes from. */
  readonly source: string;
  /** When the figure was the list price (as precisely as it is known). */
  readonly asOf: string;
  /** What the price assumes or leaves out. */
  readonly note?: string;
}

/** What SageMaker charges per instance-hour, by instance type, for one kind of use. */
export type InstancePrices = Readonly<Record<string, ListPrice>>;

/** The prices of one region. */
export interface RegionPrices {
  /** Real-time inference (endpoint instances), by instance type. */
  readonly sagemakerRealTime: InstancePrices;
  /** Training jobs, by instance type. */
  readonly sagemakerTraining: InstancePrices;
  /** Processing jobs (also Model Monitor checks), by instance type. */
  readonly sagemakerProcessing: InstancePrices;
  /** Batch transform jobs, by instance type. */
  readonly sagemakerBatchTransform: InstancePrices;
  /**
   * A SageMaker managed MLflow tracking server, per hour it exists (used or not), by size. A size
   * without a figure here is reported as a missing price: its figure, read from the pricing page,
   * is one line in lib/tools/cost/prices.ts (`mlflowServers({ Small: ... })`), and completes the estimate.
   */
  readonly sagemakerMlflowTrackingServer: Readonly<Partial<Record<MlflowServerSize, ListPrice>>>;
  /** A serverless endpoint without provisioned concurrency, while it serves nothing. */
  readonly sagemakerServerlessIdle: ListPrice;
  /** An interface VPC endpoint, per AZ (subnet) it is in. */
  readonly interfaceEndpoint: ListPrice;
  /** A gateway VPC endpoint (S3, DynamoDB). */
  readonly gatewayEndpoint: ListPrice;
  readonly natGateway: ListPrice;
  /** A customer-managed KMS key. */
  readonly kmsKey: ListPrice;
  readonly dashboard: ListPrice;
  /** A standard-resolution alarm, per metric it evaluates. */
  readonly alarmMetric: ListPrice;
  /** A high-resolution alarm (period under 60 s), per metric it evaluates. */
  readonly highResolutionAlarmMetric: ListPrice;
  readonly compositeAlarm: ListPrice;
  /** Log data stored in CloudWatch Logs. */
  readonly logStorage: ListPrice;
  /** An AWS Budgets budget. */
  readonly budget: ListPrice;
  /** Objects stored in S3 Standard. */
  readonly s3Standard: ListPrice;
  readonly ssmStandardParameter: ListPrice;
  readonly ssmAdvancedParameter: ListPrice;
  /** An SNS topic with nothing published. */
  readonly snsTopicIdle: ListPrice;
  /** An object (database, table, partition) stored in the Glue Data Catalog. */
  readonly glueCatalogObject: ListPrice;
  /** A Glue Spark job (Glue 2.0 and later), per DPU-hour its workers are allocated. */
  readonly glueSparkDpuHour: ListPrice;
  /** CodeBuild on-demand Linux builds (`LINUX_CONTAINER`), per build minute, by compute type. */
  readonly codebuildLinux: Readonly<Record<string, ListPrice>>;
  /** Athena SQL queries, per TB they scan. */
  readonly athenaScan: ListPrice;
  /** Step Functions standard workflows, per 1,000 state transitions. */
  readonly stepFunctionsTransitions: ListPrice;
  /**
   * CodeArtifact: packages stored in a domain (per GB-month) and requests (per 10,000). A figure
   * not here is reported as a missing price: read it on `CODEARTIFACT_PRICING_PAGE` and add it to
   * lib/tools/cost/prices.ts (`codeartifact: { storage: ..., requests: ... }`).
   */
  readonly codeartifact: Readonly<{ storage?: ListPrice; requests?: ListPrice }>;
}

/** Every price the estimate uses, by region. */
export interface PriceTable {
  readonly currency: 'USD';
  /** What kind of figures these are and how current (list prices of a date, to be refreshed). */
  readonly basis: string;
  /** Hours in a month, as AWS's pricing examples count them. */
  readonly hoursPerMonth: number;
  /** The share of on-demand price managed spot training is assumed to save. */
  readonly spotTrainingDiscount: {
    readonly fraction: number;
    readonly source: string;
    readonly asOf: string;
    readonly note: string;
  };
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

/** The prices that do not depend on an instance type. */
export type FixedPriceKey = Exclude<
  keyof RegionPrices,
  | 'sagemakerRealTime'
  | 'sagemakerTraining'
  | 'sagemakerProcessing'
  | 'sagemakerBatchTransform'
  | 'sagemakerMlflowTrackingServer'
  | 'codebuildLinux'
  | 'codeartifact'
>;

/** A price found, or the sentence that says which one is missing (never a silent 0). */
export type PriceLookup = { readonly price: ListPrice } | { readonly missing: string };

/** The kinds of SageMaker instance use, as the estimate names them. */
export type SageMakerUse = 'real-time inference' | 'training' | 'processing' | 'batch transform';

const INSTANCE_PRICES: Record<SageMakerUse, keyof RegionPrices> = {
  'real-time inference': 'sagemakerRealTime',
  training: 'sagemakerTraining',
  processing: 'sagemakerProcessing',
  'batch transform': 'sagemakerBatchTransform',
};

/** Where the table lives, for messages about a missing price. */
export const PRICE_TABLE_FILE = 'lib/tools/cost/prices.ts';

/** AWS's CodeArtifact pricing page: storage per GB-month and requests. */
export const CODEARTIFACT_PRICING_PAGE = 'https://aws.amazon.com/codeartifact/pricing/';

/** AWS's SageMaker pricing page: instances, and (its MLflow part) the tracking servers' hourly prices. */
export const SAGEMAKER_PRICING_PAGE = 'https://aws.amazon.com/sagemaker/pricing/';

/** The prices of one region of a table; each lookup says clearly which price is missing. */
export class RegionPriceList {
  constructor(
    private readonly table: PriceTable,
    public readonly region: string,
  ) {}

  /** A fixed price of the region (`kmsKey`, `dashboard`, ...). */
  public get(key: FixedPriceKey): PriceLookup {
    const prices = this.table.regions[this.region];
    if (!prices) return { missing: this.noRegion() };
    return { price: prices[key] };
  }

  /** The instance-hour price of a SageMaker instance type for one kind of use. */
  public sagemaker(use: SageMakerUse, instanceType: string): PriceLookup {
    const prices = this.table.regions[this.region];
    if (!prices) return { missing: this.noRegion() };
    const byType = prices[INSTANCE_PRICES[use]] as InstancePrices;
    const price = byType[instanceType];
    if (price) return { price };
    return {
      missing: `no price for SageMaker ${use} on ${instanceType} in ${this.region}: add it to ${PRICE_TABLE_FILE} (priced there: ${Object.keys(byType).join(', ') || 'none'})`,
    };
  }

  /** The build-minute price of a CodeBuild on-demand environment type and compute type. */
  public codebuild(environmentType: string, computeType: string): PriceLookup {
    const prices = this.table.regions[this.region];
    if (!prices) return { missing: this.noRegion() };
    const price = environmentType === 'LINUX_CONTAINER' ? prices.codebuildLinux[computeType] : undefined;
    if (price) return { price };
    return {
      missing: `no price for CodeBuild ${environmentType} ${computeType} in ${this.region}: add it to ${PRICE_TABLE_FILE} (priced there: LINUX_CONTAINER ${Object.keys(prices.codebuildLinux).join(', ') || 'none'})`,
    };
  }

  /** The hourly price of a SageMaker managed MLflow tracking server of `size`. */
  public mlflowTrackingServer(size: string): PriceLookup {
    const prices = this.table.regions[this.region];
    if (!prices) return { missing: this.noRegion() };
    const bySize: Readonly<Record<string, ListPrice | undefined>> = prices.sagemakerMlflowTrackingServer;
    const price = bySize[size];
    if (price) return { price };
    const priced = Object.keys(bySize).filter((s) => bySize[s]);
    return {
      missing:
        `no hourly price for a SageMaker MLflow tracking server (${size}) in ${this.region}: read it in the MLflow` +
        ` part of ${SAGEMAKER_PRICING_PAGE} and add it to ${PRICE_TABLE_FILE}` +
        ` (sagemakerMlflowTrackingServer: mlflowServers({ ${size}: { usd, readOn } }); sizes priced there: ${priced.join(', ') || 'none'})`,
    };
  }

  /** CodeArtifact's price of stored packages (`storage`, per GB-month) or of `requests` (per 10,000). */
  public codeartifact(kind: 'storage' | 'requests'): PriceLookup {
    const prices = this.table.regions[this.region];
    if (!prices) return { missing: this.noRegion() };
    const price = prices.codeartifact[kind];
    if (price) return { price };
    return {
      missing: `no price for CodeArtifact ${kind} in ${this.region}: read it on ${CODEARTIFACT_PRICING_PAGE} and add it to ${PRICE_TABLE_FILE} (codeartifact: { ${kind}: ... })`,
    };
  }

  private noRegion(): string {
    return `no prices for region ${this.region}: add the region to ${PRICE_TABLE_FILE} (priced there: ${Object.keys(this.table.regions).join(', ')})`;
  }
}
