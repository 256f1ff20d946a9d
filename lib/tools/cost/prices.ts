import type { MlflowServerSize } from '../../../constructs';
import {
  type InstancePrices,
  type ListPrice,
  type PriceTable,
  type RegionPrices,
  CODEARTIFACT_PRICING_PAGE,
  SAGEMAKER_PRICING_PAGE,
} from '../pricing/price-table';

/**
 * The checked-in price table of `mlenv cost`: AWS's public list prices (on demand, USD, before
 * tax, free tiers ignored) for the regions of the configuration, each with its unit, date and
 * source page.
 *
 * The figures are the list prices those pages showed during 2025. They were written down on
 * 2026-11-30 without network access to read the pages again, so they are as precise as that
 * knowledge, no more: refresh each one from its source (and its `asOf`) before relying on a total.
 * SageMaker instance types added later (`quoted`) each carry the region, date and place of the
 * quote (of the pricing page, the Price List API or AWS's bill) they were read in.
 * A price the estimate needs and this table lacks is reported as missing, never taken as 0.
 */
const AS_OF = '2025 (list price; refresh from the source)';

const SOURCES = {
  sagemaker: SAGEMAKER_PRICING_PAGE,
  sagemakerSpot: 'https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html',
  privatelink: 'https://aws.amazon.com/privatelink/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  budgets: 'https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
  ssm: 'https://aws.amazon.com/systems-manager/pricing/',
  sns: 'https://aws.amazon.com/sns/pricing/',
  glue: 'https://aws.amazon.com/glue/pricing/',
  codebuild: 'https://aws.amazon.com/codebuild/pricing/',
  athena: 'https://aws.amazon.com/athena/pricing/',
  stepFunctions: 'https://aws.amazon.com/step-functions/pricing/',
  codeartifact: CODEARTIFACT_PRICING_PAGE,
} as const;

const price = (usd: number, unit: string, source: string, note?: string): ListPrice => ({
  usd,
  unit,
  source,
  asOf: AS_OF,
  ...(note ? { note } : {}),
});

const ML_STORAGE_NOTE =
  'on-demand, billed per second; the ML storage volume (GB-month) is extra and not counted (cents per run)';

/**
 * SageMaker instance-hour prices of one kind of use, by instance type, at the table's `AS_OF`.
 * Instance types read later, each from its own quote, are added with `quoted` (below).
 */
const instances = (
  byType: Readonly<Record<string, number>>,
  note: string = ML_STORAGE_NOTE,
): InstancePrices =>
  Object.fromEntries(
    Object.entries(byType).map(([type, usd]) => [type, price(usd, 'instance-hour', SOURCES.sagemaker, note)]),
  );

/**
 * Where an instance-hour figure of AWS's SageMaker pricing page was read: the page itself could
 * not be (no network; its tables are rendered by script), so each figure comes from a stored quote
 * of it, found by searching stored public pages and code on 2026-12-07. `asOf` is when the quote
 * says the figure was the price; `region` is the one region the quote names (its figures are
 * written for that region only).
 */
interface Quote {
  readonly region: string;
  readonly asOf: string;
  readonly readIn: string;
}

/**
 * The quotes the figures below were read in. A figure is written down only where the quotes that
 * name AWS (its pricing page, its Price List API or its bill) and a region give it, for the use it
 * is written for, and no other quote of that region disagrees; where they disagree, or no quote
 * names the region or the use, the type is left unpriced (see `NOT_PRICED`).
 */
const QUOTES = {
  /** A job cost estimator's table (US East 1, on demand, for training jobs, spot or not). */
  estimator2024: {
    region: 'us-east-1',
    asOf: '2024 (as quoted)',
    readIn:
      "a third party's training-job cost estimator (Python), headed 'SageMaker instance pricing (US East 1, as of 2024), Source: https://aws.amazon.com/sagemaker/pricing/'; stored copy read 2026-12-07",
  },
  /** A training-cost helper's table (us-east-1, training jobs). */
  trainingCost2025: {
    region: 'us-east-1',
    asOf: '2025 (as quoted)',
    readIn:
      "a third party's training-cost function, headed 'SageMaker instance pricing (as of 2025, us-east-1)'; stored copy read 2026-12-07",
  },
  /** AWS's Price List API, as a third party quoted its answer. */
  priceListTraining: {
    region: 'us-east-1',
    asOf: '2026-08-20',
    readIn:
      "a third party's comment quoting AWS's Price List API (aws pricing get-products --service-code AmazonSageMaker, usagetype USE1-Train:ml.g5.2xlarge) on 2026-08-20; stored copy read 2026-12-07",
  },
  /**
   * AWS's bill of one account for SageMaker in EU (Ireland), December 2023, published by AWS in its
   * own samples: the rate AWS charged per instance-hour, by use ('Training', 'Hosting'). First-hand
   * (AWS's billed rates, in an AWS repository), not the pricing page; each figure times its hours
   * gives the amount billed on its line.
   */
  irelandBill2023: {
    region: 'eu-west-1',
    asOf: '2023-12 (billed rate)',
    readIn:
      "AWS's bill for SageMaker in EU (Ireland), December 2023, as published by AWS in github.com/aws-samples/sagemaker-ssh-helper, Sample_Costs.md (commit b6bf9ba39119784eb6ce6683ae9a6a2ed8ef4cd3, 2024-06-05; unchanged at the newest stored commit), its lines '$<rate> per Training <type> hour in EU (Ireland)' and '$<rate> per Hosting <type> hour in EU (Ireland)'; stored copy read 2026-12-07",
  },
} satisfies Record<string, Quote>;

/**
 * Instance-hour prices of one use in `region`, each with the region, date and place its quote
 * gives. A quote of another region is refused: a price is never carried from one region to another.
 */
const quoted = (
  region: string,
  byType: Readonly<Record<string, { readonly usd: number; readonly quotes: readonly Quote[] }>>,
): InstancePrices =>
  Object.fromEntries(
    Object.entries(byType).map(([type, { usd, quotes }]) => {
      const elsewhere = quotes.find((q) => q.region !== region);
      if (elsewhere) throw new Error(`${type} in ${region}: a quote of ${elsewhere.region} cannot price it`);
      return [
        type,
        {
          usd,
          unit: 'instance-hour',
          source: SOURCES.sagemaker,
          asOf: quotes[0].asOf,
          note: `${ML_STORAGE_NOTE}; the ${region} price as of ${quotes[0].asOf}, read in ${quotes.map((q) => q.readIn).join(', and in ')}`,
        },
      ];
    }),
  );

/**
 * Training prices in us-east-1 beyond ml.m5.large and ml.m5.xlarge, from the quotes above. Their
 * real-time inference and processing prices are not written: no quote found names those uses.
 */
const US_EAST_1_TRAINING = quoted('us-east-1', {
  'ml.m5.2xlarge': { usd: 0.461, quotes: [QUOTES.estimator2024] },
  'ml.m5.4xlarge': { usd: 0.922, quotes: [QUOTES.estimator2024] },
  'ml.c5.xlarge': { usd: 0.204, quotes: [QUOTES.estimator2024] },
  'ml.c5.2xlarge': { usd: 0.408, quotes: [QUOTES.estimator2024] },
  'ml.g4dn.xlarge': { usd: 0.736, quotes: [QUOTES.trainingCost2025, QUOTES.estimator2024] },
  'ml.g5.2xlarge': {
    usd: 1.515,
    quotes: [QUOTES.priceListTraining, QUOTES.trainingCost2025, QUOTES.estimator2024],
  },
  'ml.g5.12xlarge': { usd: 7.094, quotes: [QUOTES.estimator2024] },
  'ml.p3.2xlarge': { usd: 3.825, quotes: [QUOTES.trainingCost2025, QUOTES.estimator2024] },
  'ml.p3.8xlarge': { usd: 14.688, quotes: [QUOTES.trainingCost2025, QUOTES.estimator2024] },
});

/**
 * GPU training prices in eu-west-1 (where dev, staging and prod run), from the one quote of that
 * region found: AWS's December 2023 bill. Older than the us-east-1 figures: refresh before relying
 * on them.
 */
const EU_WEST_1_TRAINING = quoted('eu-west-1', {
  'ml.g4dn.xlarge': { usd: 0.822, quotes: [QUOTES.irelandBill2023] },
  'ml.g5.xlarge': { usd: 1.57, quotes: [QUOTES.irelandBill2023] },
  'ml.p3.2xlarge': { usd: 4.131, quotes: [QUOTES.irelandBill2023] },
});

/** GPU real-time inference (hosting) prices in eu-west-1, from the same bill's 'Hosting' lines. */
const EU_WEST_1_REAL_TIME = quoted('eu-west-1', {
  'ml.g4dn.4xlarge': { usd: 1.678, quotes: [QUOTES.irelandBill2023] },
  'ml.g4dn.12xlarge': { usd: 5.453, quotes: [QUOTES.irelandBill2023] },
  'ml.g5.12xlarge': { usd: 7.91, quotes: [QUOTES.irelandBill2023] },
});

/**
 * SageMaker instance types a team may choose (for training, processing, real-time inference) that
 * the table does not price, and why: a job or endpoint on one is reported as a missing price
 * naming its environment, models, configuration field, type and region, never as 0.
 */
export const NOT_PRICED: ReadonlyArray<{ readonly what: string; readonly why: string }> = [
  {
    what: 'ml.g4dn.2xlarge in us-east-1',
    why: 'quotes disagree (training $1.053 in 2024, $0.941 in 2025, $1.12 undated)',
  },
  {
    what: 'ml.g4dn.12xlarge in us-east-1',
    why: 'quotes disagree ($5.477 in 2024; $4.89 in a copy of the page that names no region)',
  },
  {
    what: 'ml.g5.xlarge in us-east-1',
    why: 'quotes disagree ($1.006 in 2024 and 2025; $1.408 undated and about $1.41 in October 2025)',
  },
  { what: 'ml.p4d.24xlarge in us-east-1', why: 'quotes disagree ($32.773 in 2024, $37.688 undated)' },
  {
    what: 'ml.g6.xlarge in us-east-1',
    why: 'no quote found names its us-east-1 price (the one found for it is of ap-northeast-1; others price other ml.g6 sizes and name no region)',
  },
  {
    what: 'real-time inference and processing in us-east-1 on types other than ml.m5.large and ml.m5.xlarge',
    why: 'no quote found names those uses (the ones found price training jobs, or name no use)',
  },
  {
    what: 'ml.g4dn.2xlarge, ml.g5.2xlarge, ml.g6.xlarge, ml.p3.8xlarge and ml.p4d.24xlarge in eu-west-1',
    why: 'no quote found names their eu-west-1 price, for any use',
  },
  {
    what: 'training on ml.g4dn.12xlarge and ml.g5.12xlarge in eu-west-1',
    why: 'the only quote of eu-west-1 found (the December 2023 bill) gives their hosting rate, not their training rate, and one use is never priced from another',
  },
  {
    what: 'ml.m5.2xlarge, ml.m5.4xlarge, ml.c5.xlarge and ml.c5.2xlarge in eu-west-1',
    why: 'no quote found names their eu-west-1 price',
  },
  {
    what: 'every type other than ml.m5.large and ml.m5.xlarge in eu-west-1, except training on ml.g4dn.xlarge, ml.g5.xlarge and ml.p3.2xlarge and real-time inference on ml.g4dn.4xlarge, ml.g4dn.12xlarge and ml.g5.12xlarge',
    why: "no quote of eu-west-1 gives them: the only one found, AWS's December 2023 bill, bills just those (its 'Endpoint ml.g4dn.xlarge' line does not say which kind of endpoint, so it prices none)",
  },
];

/**
 * The hourly prices of SageMaker managed MLflow tracking servers, by size, each as read on the
 * pricing page (its MLflow part) on `readOn`. A server bills every hour it exists, used or not;
 * its run artifacts are stored in S3 (priced as S3 stored data).
 *
 * No figure is written here yet: none has been read from the pricing page (the only one seen is a
 * third party's), so every managed server is reported as a missing price, never as 0. Adding one
 * is one line in its region below: `mlflowServers({ Small: { usd: <dollars an hour>, readOn: '<date>' } })`.
 */
const mlflowServers = (
  bySize: Readonly<Partial<Record<MlflowServerSize, { readonly usd: number; readonly readOn: string }>>>,
): RegionPrices['sagemakerMlflowTrackingServer'] =>
  Object.fromEntries(
    Object.entries(bySize).map(([size, { usd, readOn }]) => [
      size,
      {
        usd,
        unit: 'server-hour',
        source: SOURCES.sagemaker,
        asOf: readOn,
        note: 'billed per hour while the server exists, whether used or not; its artifacts are S3 stored data',
      },
    ]),
  );

/**
 * CodeArtifact's prices, by region: stored packages per GB-month, requests per 10,000. None is
 * written yet: the pricing page has not been read (the only figures seen, $0.05 for each in US
 * regions, are a third party's copy of AWS's price list, without this table's regions), so every
 * CodeArtifact line is reported with its price missing, never as 0. Adding one is a line below:
 * `codeartifact: { storage: price(<usd>, 'GB-month', SOURCES.codeartifact), requests: ... }`.
 */
const NO_CODEARTIFACT_PRICES: RegionPrices['codeartifact'] = {};

/** What costs the same in every region of the table. */
const GLOBAL = {
  sagemakerServerlessIdle: price(
    0,
    'endpoint-month',
    SOURCES.sagemaker,
    'serverless inference is billed per request and per second of compute while it serves; without provisioned concurrency (not used here) an idle serverless endpoint costs 0',
  ),
  gatewayEndpoint: price(0, 'endpoint-month', SOURCES.privatelink, 'gateway endpoints (S3) have no charge'),
  kmsKey: price(
    1,
    'key-month',
    SOURCES.kms,
    'a key with automatic rotation costs $1 a month more after each of its first two rotations (years 2 and 3); requests are billed per use (0 while idle)',
  ),
  dashboard: price(
    3,
    'dashboard-month',
    SOURCES.cloudwatch,
    'the free tier (3 dashboards per account) is ignored: it is shared by everything in the account',
  ),
  alarmMetric: price(
    0.1,
    'alarm-metric-month',
    SOURCES.cloudwatch,
    'standard resolution; an alarm on metric math is billed per metric it reads; free tier (10 alarm metrics per account) ignored',
  ),
  highResolutionAlarmMetric: price(0.3, 'alarm-metric-month', SOURCES.cloudwatch, 'period under 60 s'),
  compositeAlarm: price(0.5, 'alarm-month', SOURCES.cloudwatch),
  logStorage: price(
    0.03,
    'GB-month',
    SOURCES.cloudwatch,
    'stored log data (archived, compressed); while idle nothing is ingested, so nothing is stored',
  ),
  budget: price(
    0.02,
    'budget-day',
    SOURCES.budgets,
    "the first 2 budgets of an account are free; assumed here to be used elsewhere in the account, so the environment's budget is charged (0 in an account with no other budget)",
  ),
  ssmStandardParameter: price(0, 'parameter-month', SOURCES.ssm, 'standard parameters are free'),
  ssmAdvancedParameter: price(0.05, 'parameter-month', SOURCES.ssm),
  snsTopicIdle: price(
    0,
    'topic-month',
    SOURCES.sns,
    'billed per publish and delivery (first million publishes and 1,000 e-mails a month free); 0 while idle',
  ),
} satisfies Partial<RegionPrices>;

/** The prices of the data pipelines' services in one region (each of them varies by region). */
const dataServices = (usd: {
  readonly glueSparkDpuHour: number;
  readonly glueCatalogObject: number;
  readonly codebuildLinuxSmall: number;
  readonly athenaTb: number;
  readonly stepFunctionsPer1000: number;
}) =>
  ({
    glueSparkDpuHour: price(
      usd.glueSparkDpuHour,
      'DPU-hour',
      SOURCES.glue,
      'Spark jobs (glueetl) of Glue 2.0 and later, billed per second with a 1-minute minimum per run; a worker is 1 DPU (G.1X), 2 (G.2X), 4 (G.4X) or 8 (G.8X); the Flex execution class (cheaper) is not used',
    ),
    glueCatalogObject: price(
      usd.glueCatalogObject,
      'object-month',
      SOURCES.glue,
      '$1 per 100,000 objects (databases, tables, partitions) a month; the first million objects of an account are free (ignored); requests are billed per use',
    ),
    codebuildLinux: {
      BUILD_GENERAL1_SMALL: price(
        usd.codebuildLinuxSmall,
        'build-minute',
        SOURCES.codebuild,
        'on demand, general1.small (2 vCPUs, 3 GB), billed per minute of build, rounded up (queued time is free); the free tier (100 build minutes a month) is ignored',
      ),
    },
    athenaScan: price(
      usd.athenaTb,
      'TB scanned',
      SOURCES.athena,
      'SQL queries, rounded up to the MB scanned with a 10 MB minimum per query (a TB read as 10^12 bytes); DDL statements and failed queries are free',
    ),
    stepFunctionsTransitions: price(
      usd.stepFunctionsPer1000,
      '1,000 state transitions',
      SOURCES.stepFunctions,
      'standard workflows: each state a run enters is a transition, each retry another; the free tier (4,000 transitions a month) is ignored',
    ),
  }) satisfies Partial<RegionPrices>;

export const PRICE_TABLE: PriceTable = {
  currency: 'USD',
  basis:
    'AWS public list prices (on demand, USD, before tax, free tiers ignored) as published during 2025, written down on 2026-11-30 without network access; SageMaker instance types added later (GPU ones among them) each name their region, date (2023 to 2026) and the quote they were read in: refresh them from their sources before relying on a total',
  hoursPerMonth: 730,
  spotTrainingDiscount: {
    fraction: 0.6,
    source: SOURCES.sagemakerSpot,
    asOf: AS_OF,
    note: `AWS documents savings of up to 90 % with managed spot training (${SOURCES.sagemakerSpot}); the spot price varies by instance type, zone and time, so 60 % is assumed, below that maximum. Spot never costs more than on demand: the on-demand figure is the bound`,
  },
  regions: {
    'us-east-1': {
      sagemakerRealTime: instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
      sagemakerTraining: {
        ...instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
        ...US_EAST_1_TRAINING,
      },
      sagemakerProcessing: instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
      // Batch transform's instance-hours (the pricing page's Batch Transform tab).
      sagemakerBatchTransform: instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
      sagemakerMlflowTrackingServer: mlflowServers({}),
      codeartifact: NO_CODEARTIFACT_PRICES,
      interfaceEndpoint: price(
        0.01,
        'AZ-hour',
        SOURCES.privatelink,
        'per endpoint per AZ; data processed ($0.01/GB) is 0 while idle',
      ),
      natGateway: price(0.045, 'hour', SOURCES.vpc, 'data processed ($0.045/GB) is 0 while idle'),
      s3Standard: price(0.023, 'GB-month', SOURCES.s3, 'first 50 TB; empty buckets cost 0'),
      ...dataServices({
        glueSparkDpuHour: 0.44,
        glueCatalogObject: 0.00001,
        codebuildLinuxSmall: 0.005,
        athenaTb: 5,
        stepFunctionsPer1000: 0.025,
      }),
      ...GLOBAL,
    },
    'eu-west-1': {
      sagemakerRealTime: {
        ...instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
        ...EU_WEST_1_REAL_TIME,
      },
      sagemakerTraining: {
        ...instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
        ...EU_WEST_1_TRAINING,
      },
      sagemakerProcessing: instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
      // Batch transform's instance-hours (the pricing page's Batch Transform tab).
      sagemakerBatchTransform: instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
      sagemakerMlflowTrackingServer: mlflowServers({}),
      codeartifact: NO_CODEARTIFACT_PRICES,
      interfaceEndpoint: price(
        0.011,
        'AZ-hour',
        SOURCES.privatelink,
        'per endpoint per AZ; data processed ($0.01/GB) is 0 while idle',
      ),
      natGateway: price(0.048, 'hour', SOURCES.vpc, 'data processed ($0.048/GB) is 0 while idle'),
      s3Standard: price(0.023, 'GB-month', SOURCES.s3, 'first 50 TB; empty buckets cost 0'),
      ...dataServices({
        glueSparkDpuHour: 0.44,
        glueCatalogObject: 0.00001,
        codebuildLinuxSmall: 0.005,
        athenaTb: 5,
        stepFunctionsPer1000: 0.025,
      }),
      ...GLOBAL,
    },
  },
};
