import type { MlflowServerSize } from '../../constructs/tracking/mlflow-tracking-server';
import {
  type InstancePrices,
  type ListPrice,
  type PriceTable,
  type RegionPrices,
  CODEARTIFACT_PRICING_PAGE,
  SAGEMAKER_PRICING_PAGE,
} from './price-table';

/**
 * The checked-in price table of `mlenv cost`: AWS's public list prices (on demand, USD, before
 * tax, free tiers ignored) for the regions of the configuration, each with its unit, date and
 * source page.
 *
 * The figures are the list prices those pages showed during 2025. They were written down on
 * 2026-11-30 without network access to read the pages again, so they are as precise as that
 * knowledge, no more: refresh each one from its source (and its `asOf`) before relying on a total.
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
 * SageMaker instance-hour prices of one kind of use, by instance type.
 *
 * GPU instance types (ml.g*, ml.p*: what xgboost, pytorch and custom GPU images may train and serve
 * on) have no figure yet: the pricing page could not be read when the framework tables were added
 * (2026-12-07), so a GPU job or endpoint is reported as a missing price naming type and region,
 * never as 0. Adding one is a line in its region below, with the date it was read.
 */
const instances = (
  byType: Readonly<Record<string, number>>,
  note: string = ML_STORAGE_NOTE,
): InstancePrices =>
  Object.fromEntries(
    Object.entries(byType).map(([type, usd]) => [type, price(usd, 'instance-hour', SOURCES.sagemaker, note)]),
  );

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
    'AWS public list prices (on demand, USD, before tax, free tiers ignored) as published during 2025, written down on 2026-11-30 without network access: refresh them from their sources before relying on a total',
  hoursPerMonth: 730,
  spotTrainingDiscount: {
    fraction: 0.6,
    source: SOURCES.sagemakerSpot,
    asOf: AS_OF,
    note: 'AWS documents savings of up to 90 % with managed spot training; the spot price varies by instance type, zone and time, so 60 % is assumed, below that maximum. Spot never costs more than on demand: the on-demand figure is the bound',
  },
  regions: {
    'us-east-1': {
      sagemakerRealTime: instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
      sagemakerTraining: instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
      sagemakerProcessing: instances({ 'ml.m5.large': 0.115, 'ml.m5.xlarge': 0.23 }),
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
      sagemakerRealTime: instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
      sagemakerTraining: instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
      sagemakerProcessing: instances({ 'ml.m5.large': 0.128, 'ml.m5.xlarge': 0.256 }),
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
