import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { SPARK_WORKER_TYPES } from '../constructs/data/spark-job';
import {
  FRAMEWORK_NAMES,
  FRAMEWORKS,
  frameworkVersion,
  instanceProcessor,
  KNOWN_IMAGE_REGIONS,
  type Processor,
} from '../constructs/training/framework-image';
import {
  distributionInstanceProblem,
  distributionVersionProblem,
  TRAINING_DISTRIBUTIONS,
  TrainingDistribution,
} from '../constructs/training/training-distribution';
import { effectiveTraining, modelDistribution } from './effective-training';
import { MAINTENANCE_WINDOW, MLFLOW_SERVER_SIZES } from '../constructs/tracking/mlflow-tracking-server';
import { CONNECTION_ARN, deliverySchema } from './delivery';
import { LOG_RETENTION_DAYS } from './log-retention';
import { batchJobName, derivedNames, jobNames, nameProblems } from './derived-names';
import { EVALUATION_METRICS, PROBLEM_TYPES } from './evaluation-metrics';
import { modelTuningProblems, modelTuningSchema, tuningBudgetSchema } from './tuning-schema';
import { searchSpaceProblems, tuningBudgetProblems } from '../constructs/training/tuning';

/** A path inside the project, relative to its root. */
const relativePath = z
  .string('must be a path relative to the project root')
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]+$/, 'must be a path relative to the project root, without ..');

/** Environments where data may be destroyed with the stack; every other one must retain it. */
export const DISPOSABLE_ENVIRONMENTS: readonly string[] = ['local', 'dev'];

export { LOG_RETENTION_DAYS } from './log-retention';

const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));

/** Environments that run in a local AWS emulator: never promoted from or to, never trusted by a cloud one. */
export const EMULATED_ENVIRONMENTS: readonly string[] = ['local'];

/** Environments where a newly trained model may be registered as `Approved` without a person. */
export const SELF_APPROVING_ENVIRONMENTS: readonly string[] = ['local', 'dev'];

const instanceType = z
  .string('must be a SageMaker instance type')
  .regex(
    /^ml\.[a-z0-9-]+\.[a-z0-9]+$/,
    "must be a SageMaker instance type starting with 'ml.', e.g. ml.m5.large",
  );
const minutes = (max: number) =>
  z
    .number('must be a number of minutes')
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(max, `must be at most ${max} minutes`);

// Each field's `.describe()` is its documentation: docs/reference/configuration.md is generated
// from it (`npm run docs:config`), so the text says what the field does and the rules across
// fields that the checks below enforce; limits the schema states itself are printed from it.
const onlyIn = (environments: readonly string[]) => environments.join(' and ');

/** The compute knobs of training jobs: an environment's defaults, which a model may override. */
const computeFields = {
  instanceType: instanceType.describe(
    "Instance type of the training job; its processor (CPU, GPU) must be one the model's image runs on; " +
      "staging's must be prod's (for each model).",
  ),
  instanceCount: z
    .number('must be a number')
    .int('must be a whole number')
    .min(1)
    .max(20)
    .describe(
      'Number of training instances; more than 1 only for a model that declares a `distribution` (how its train.py shares the work).',
    ),
  maxRuntimeMinutes: minutes(7 * 24 * 60).describe(
    'Longest a training or processing job may run before SageMaker stops it.',
  ),
  spotEnabled: z.boolean('must be true or false').describe('Whether training uses managed spot capacity.'),
  spotMaxWaitMinutes: minutes(7 * 24 * 60).describe(
    'Longest a spot job may take including waiting for capacity; at least `maxRuntimeMinutes` when spot is enabled.',
  ),
  volumeSizeGb: z
    .number('must be a number of GB')
    .int()
    .min(1)
    .max(16384)
    .describe("Size of each job instance's ML storage volume, in GB."),
};

/**
 * One model's training compute in an environment, where it differs from the environment's
 * (`environments.<env>.training.models.<model>`): each field set replaces the environment's.
 */
export const modelComputeSchema = z.strictObject({
  instanceType: computeFields.instanceType.optional(),
  instanceCount: computeFields.instanceCount.optional(),
  // The pipeline gives all of a model's jobs one volume size and runtime limit.
  volumeSizeGb: computeFields.volumeSizeGb.optional(),
  maxRuntimeMinutes: computeFields.maxRuntimeMinutes.optional(),
  spot: z
    .strictObject({
      enabled: computeFields.spotEnabled.optional(),
      maxWaitMinutes: computeFields.spotMaxWaitMinutes.optional(),
    })
    .optional()
    .describe("The model's managed spot training, field by field."),
});

export const trainingSchema = z.strictObject({
  instanceType: computeFields.instanceType,
  instanceCount: computeFields.instanceCount,
  processingInstanceType: instanceType.describe(
    "Instance type of the preprocessing and evaluation (processing) jobs, which run the training image's variant.",
  ),
  maxRuntimeMinutes: computeFields.maxRuntimeMinutes,
  spot: z
    .strictObject({
      enabled: computeFields.spotEnabled,
      maxWaitMinutes: computeFields.spotMaxWaitMinutes,
    })
    .describe('Managed spot training: cheaper, may wait for capacity; checkpoints go to S3.'),
  volumeSizeGb: computeFields.volumeSizeGb,
  models: z
    .record(z.string(), modelComputeSchema)
    .default({})
    .describe(
      "Compute of single models, by model name, where it differs from this environment's: " +
        '`instanceType`, `instanceCount`, `volumeSizeGb`, `maxRuntimeMinutes`, `spot: { enabled, maxWaitMinutes }`, ' +
        "each optional (the environment's value otherwise). Checked on the values each model gets.",
    ),
  approvalStatus: z
    .enum(['Approved', 'PendingManualApproval'], "must be 'Approved' or 'PendingManualApproval'")
    .describe(
      `Approval status of a newly registered model package; \`Approved\` (no person approves) only in ${onlyIn(SELF_APPROVING_ENVIRONMENTS)}.`,
    ),
  schedule: z
    .strictObject({
      expression: z
        .string()
        .regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule expression, rate(...) or cron(...)')
        .describe('An EventBridge schedule expression, `rate(...)` or `cron(...)`.'),
      enabled: z
        .boolean('must be true or false')
        .describe('Whether the schedule starts the training pipeline.'),
    })
    .describe('Scheduled retraining: when, and whether it is on.'),
  tuning: tuningBudgetSchema,
});

const positiveInt = (what: string) =>
  z.number(`must be a ${what}`).int(`must be a whole ${what}`).min(1, `must be at least 1`);

/** How a model's pinned package is served. */
export const SERVING_MODES = ['endpoint', 'async', 'batch'] as const;

/** Batch transforms: the pinned package scores a dataset prefix, on a schedule and when data arrives. */
export const batchServingSchema = z.strictObject({
  instanceType: instanceType
    .default('ml.m5.large')
    .describe("Instance type of a batch transform; staging's must be prod's."),
  instanceCount: positiveInt('number of instances')
    .max(100, 'must be at most 100')
    .default(1)
    .describe('Instances a batch transform runs on (each scores a share of the files).'),
  maxConcurrentTransforms: positiveInt('number of requests')
    .max(100, 'must be at most 100')
    .default(1)
    .describe('Requests each instance scores at once.'),
  maxPayloadMb: positiveInt('number of MB')
    .max(100, "must be at most 100 (SageMaker's limit)")
    .default(6)
    .describe('Largest mini-batch of records sent to the model in one request, in MB.'),
  maxRuntimeMinutes: positiveInt('number of minutes')
    .max(2880, 'must be at most 2880 (two days)')
    .default(60)
    .describe(
      'How long one batch transform may run before it is stopped (the cost estimate prices it whole).',
    ),
  schedule: z
    .string()
    .regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule expression, rate(...) or cron(...)')
    .default('cron(0 2 * * ? *)')
    .describe(
      'When the newest input batch is scored again (an EventBridge `rate(...)` or `cron(...)`); a new batch is also scored when it arrives.',
    ),
});

/** Asynchronous endpoints: requests queue in S3, instances scale to zero when the queue is empty. */
export const asyncServingSchema = z.strictObject({
  maxInstances: positiveInt('number of instances')
    .default(2)
    .describe('Most instances an asynchronous endpoint scales out to; it scales in to none when idle.'),
  backlogPerInstance: positiveInt('number of queued requests')
    .default(5)
    .describe(
      'Queued requests per instance (`ApproximateBacklogSizePerInstance`) that autoscaling aims for.',
    ),
  maxConcurrentInvocationsPerInstance: positiveInt('number of requests')
    .max(1000, 'must be at most 1000')
    .default(4)
    .describe('Requests each instance works on at once.'),
});

/** Shadow tests: where a pin names a `shadow` package, it gets a copy of the production traffic. */
export const shadowServingSchema = z.strictObject({
  samplingPercent: z
    .number('must be a percentage')
    .int('must be a whole percentage')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(100)
    .describe(
      "Share of the production variant's requests copied to the shadow variant, whose answers nobody sees.",
    ),
});

export const servingSchema = z.strictObject({
  kind: z
    .enum(['instance', 'serverless'], "must be 'instance' or 'serverless'")
    .describe(
      "`instance` (provisioned, blue/green, autoscaling, data capture) or `serverless` (dev's cheap choice); " +
        "`instance` in prod, and staging's must be prod's.",
    ),
  instanceType: instanceType.describe("Instance type of an instance variant; staging's must be prod's."),
  initialInstanceCount: positiveInt('number of instances').describe(
    'Instances an instance variant starts with, between `autoscaling.minInstances` and `maxInstances`; at least 2 in prod.',
  ),
  autoscaling: z
    .strictObject({
      minInstances: positiveInt('number of instances').describe(
        'Fewest instances; not above `maxInstances`, at least 2 in prod.',
      ),
      maxInstances: positiveInt('number of instances').describe('Most instances.'),
      targetInvocationsPerInstance: positiveInt('number of invocations per minute').describe(
        'Invocations per instance and minute that autoscaling keeps the variant at.',
      ),
    })
    .describe('Target tracking on invocations per instance, between min and max instances.'),
  serverless: z
    .strictObject({
      memorySizeMb: z
        .union(
          [1024, 2048, 3072, 4096, 5120, 6144].map((m) => z.literal(m)) as unknown as [
            z.ZodLiteral<number>,
            z.ZodLiteral<number>,
          ],
          'must be one of 1024, 2048, 3072, 4096, 5120, 6144',
        )
        .describe('Memory of the serverless variant, in MB.'),
      maxConcurrency: z
        .number()
        .int()
        .min(1)
        .max(200, 'must be at most 200')
        .describe('Concurrent invocations the serverless variant serves.'),
    })
    .describe('Size of a serverless variant.'),
  dataCapturePercent: z
    .number()
    .int('must be a whole percentage')
    .min(0)
    .max(100)
    .describe(
      'Percentage of requests and responses captured to the monitoring bucket (0 turns capture off); 0 with a serverless variant.',
    ),
  captureRetentionDays: z
    .number('must be a number of days')
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .default(30)
    .describe(
      'Days captured requests and responses are kept in the monitoring bucket before they expire ' +
        '(a replaced or expired version goes a day later). Drift checks read only the last hour.',
    ),
  rollout: z
    .strictObject({
      canaryPercent: z
        .number()
        .int()
        .min(1)
        .max(50, 'must be at most 50')
        .describe('Share of traffic the new variant gets first.'),
      waitMinutes: z
        .number()
        .int()
        .min(1)
        .max(60, 'must be at most 60')
        .describe('How long the canary is watched before all traffic moves.'),
    })
    .describe(
      'Blue/green rollout: canary traffic share and how long it is watched before all traffic moves.',
    ),
  latencyAlarmMs: z
    .number('must be a number of milliseconds')
    .positive('must be positive')
    .describe(
      'Model latency (p99, milliseconds) above which the latency alarm fires and a rollout rolls back.',
    ),
  batch: batchServingSchema
    .prefault({})
    .describe('Batch transforms of the models served in batch (`models[].serving.mode: batch`).'),
  async: asyncServingSchema
    .prefault({})
    .describe(
      'Asynchronous endpoints of the models served asynchronously (`models[].serving.mode: async`), on `instanceType`.',
    ),
  shadow: shadowServingSchema
    .prefault({})
    .describe('Shadow tests: a candidate package pinned as `shadow` beside the served one.'),
});

const percent = z.number('must be a percentage').gt(0, 'must be above 0').max(100, 'must be at most 100');

export const monitoringSchema = z.strictObject({
  endpoint5xxPerMinute: positiveInt('number of errors').describe(
    "5xx errors per minute (2 minutes running) that raise an endpoint's error alarm.",
  ),
  endpoint4xxRatePercent: percent.describe(
    'Share of invocations answered with 4xx (5 minutes) that raises the client-error alarm.',
  ),
  cpuPercent: z
    .number()
    .positive('must be positive')
    .describe(
      'CPU utilization of an instance variant that raises its alarm (per cent of one core, so above 100 on several cores).',
    ),
  memoryPercent: percent.describe('Memory utilization of an instance variant that raises its alarm.'),
  diskPercent: percent.describe('Disk utilization of an instance variant that raises its alarm.'),
  driftSchedule: z
    .string()
    .regex(/^cron\(.+\)$/, 'must be a cron(...) expression (Model Monitor takes no rate())')
    .describe(
      'How often data captured by instance endpoints is checked against the training baseline: a `cron(...)` expression (Model Monitor takes no `rate()`).',
    ),
  retrainOnDrift: z
    .boolean('must be true or false')
    .describe(
      'Whether drift starts the training pipeline by itself (off where a person decides, e.g. prod).',
    ),
  modelQuality: z
    .strictObject({
      schedule: z
        .string()
        .regex(/^cron\(.+\)$/, 'must be a cron(...) expression (Model Monitor takes no rate())')
        .default('cron(0 * ? * * *)')
        .describe(
          "How often a real-time model's captured predictions are joined with the labels pushed for them " +
            '(`mlenv data labels push`) and its quality metrics computed: a `cron(...)` expression.',
        ),
      retrain: z
        .boolean('must be true or false')
        .default(false)
        .describe(
          'Whether a quality drop below the quality gate starts the training pipeline by itself, as drift does.',
        ),
    })
    .prefault({})
    .describe(
      'Model-quality monitoring against ground truth, for models served on instance endpoints with capture: ' +
        "alarms when the quality gate's metric falls past its threshold.",
    ),
  monthlyBudgetUsd: z
    .number('must be a number of USD')
    .positive('must be positive')
    .describe('Monthly cost budget of the environment, in USD; alerts at 80 % actual and 100 % forecast.'),
});

/** The data pipeline's sizes (models with a `dataPipeline`). */
export const dataSchema = z.strictObject({
  workerType: z
    .enum(SPARK_WORKER_TYPES, `must be one of ${SPARK_WORKER_TYPES.join(', ')}`)
    .describe(
      "The Spark job's Glue worker type (G.1X: 4 vCPU, 16 GB; each step up doubles both and the price).",
    ),
  numberOfWorkers: z
    .number('must be a number of workers')
    .int('must be a whole number of workers')
    .min(2, 'must be at least 2 (Glue needs a driver and a worker)')
    .max(299, 'must be at most 299')
    .describe("The Spark job's workers, the driver included (Glue needs at least 2)."),
});

/** The data pipeline sizes of an environment that does not set them: the smallest Glue allows. */
export const DEFAULT_DATA_SIZES = { workerType: 'G.1X', numberOfWorkers: 2 } as const;

/** Where the environment's training runs are recorded (MLflow). */
export const trackingSchema = z.strictObject({
  server: z
    .enum(['managed', 'none'], "must be 'managed' or 'none'")
    .default('managed')
    .describe(
      '`managed`: a SageMaker managed MLflow tracking server, billed by the hour while it exists; ' +
        "`none`: no server, runs are not recorded (each run's recorder warns and records nothing).",
    ),
  size: z
    .enum(MLFLOW_SERVER_SIZES, `must be one of ${MLFLOW_SERVER_SIZES.join(', ')}`)
    .default('Small')
    .describe('Its size (Small: up to 25 users, Medium: 50, Large: 100); the hourly price grows with it.'),
  maintenanceWindow: z
    .string('must be a weekly start, Day:HH:MM (UTC)')
    .regex(MAINTENANCE_WINDOW, 'must be Day:HH:MM (UTC), e.g. Sun:03:00')
    .default('Sun:03:00')
    .describe('When SageMaker may patch it each week, UTC (`Day:HH:MM`).'),
});

export const environmentSchema = z.strictObject({
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .describe('The AWS account id; override per environment with `-c mlenv:account:<env>=<id>`.'),
  region: z
    .string()
    .refine((r) => KNOWN_REGIONS.has(r), 'must be a known AWS region, for example eu-west-1')
    .describe(
      "The AWS region: a known one, where every model's framework and Model Monitor images are known " +
        "(or given in the model's `framework.imageUris` and `monitorImageUris`).",
    ),
  removalPolicy: z
    .enum(['retain', 'destroy'], "must be 'retain' or 'destroy'")
    .describe(
      `What happens to data (buckets, keys) when a stack is deleted or a resource replaced; \`retain\` outside ${onlyIn(DISPOSABLE_ENVIRONMENTS)}.`,
    ),
  noncurrentVersionDays: z
    .number('must be a number of days')
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .describe('Days after which noncurrent object versions expire in versioned buckets.'),
  logRetentionDays: z
    .number('must be a number of days')
    .refine(
      (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
      `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    )
    .describe(
      `Days to keep logs (S3 access logs, CloudWatch log groups): one of ${LOG_RETENTION_DAYS.join(', ')} (what CloudWatch Logs accepts).`,
    ),
  alertEmails: z
    .array(z.email('must be an e-mail address'), 'must be a list of e-mail addresses')
    .describe('Who receives alerts for this environment (e-mail addresses).'),
  costCentre: z
    .string('must be a string')
    .regex(/^[\w .:/=+@-]{1,256}$/, 'must be 1-256 characters valid in an AWS tag value')
    .describe('The cost-centre tag put on every resource (1-256 characters valid in an AWS tag value).'),
  network: z
    .enum(['vpc', 'none'], "must be 'vpc' or 'none'")
    .describe(
      '`vpc`: jobs and endpoints run in a private VPC with interface endpoints (no internet); ' +
        "`none`: SageMaker's own network, still isolated, without the endpoints' hourly cost; " +
        `\`vpc\` outside ${onlyIn(DISPOSABLE_ENVIRONMENTS)}.`,
    ),
  training: trainingSchema.describe('Training pipeline sizes and switches.'),
  data: dataSchema
    .default(DEFAULT_DATA_SIZES)
    .describe(
      "The data pipeline's sizes (for models with a `dataPipeline`); the smallest Glue allows by default.",
    ),
  tracking: trackingSchema.prefault({}).describe('Experiment tracking (MLflow) of the training runs.'),
  serving: servingSchema.describe(
    'How the models this environment pins (`deployments/<env>.json`) are served.',
  ),
  monitoring: monitoringSchema.describe('Alarm thresholds, drift monitoring and budget.'),
});

/** An ECR image URI in the region it is given for: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`. */
const ECR_IMAGE_URI = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/[^:]+:.+$/;
const imageUrisByRegion = z
  .record(
    z.string().refine((r) => KNOWN_REGIONS.has(r), 'must be a known AWS region'),
    z
      .string()
      .regex(
        ECR_IMAGE_URI,
        'must be an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)',
      ),
  )
  .superRefine((uris, ctx) => {
    for (const [region, uri] of Object.entries(uris)) {
      const imageRegion = ECR_IMAGE_URI.exec(uri)?.[1];
      if (imageRegion && imageRegion !== region) {
        ctx.addIssue({
          code: 'custom',
          path: [region],
          message: `is an image in ${imageRegion}, not ${region}: jobs pull images from their own region`,
        });
      }
    }
  });

/** Image URIs by region that replace a framework's table (for a region it lacks, or a patched image). */
const imageOverrides = {
  imageUris: imageUrisByRegion
    .optional()
    .describe(
      'Image URIs by region (each an ECR image in that region), instead of the built-in table (e.g. for a region it lacks).',
    ),
  monitorImageUris: imageUrisByRegion
    .optional()
    .describe('Model Monitor analyzer image URIs by region, for regions the built-in table lacks.'),
};

/** One of SageMaker's framework images, by version (`frameworkVersion` checks it is in the table). */
const tableFramework = <N extends (typeof FRAMEWORK_NAMES)[number]>(name: N) =>
  z.strictObject({
    name: z.literal(name).describe(`SageMaker's ${name} images, by version and region.`),
    version: z
      .string('must be a framework version')
      .describe(
        "A version the framework's image table knows, e.g. `1.2-1` (sklearn), `1.7-1` (xgboost), `2.3` (pytorch).",
      ),
    ...imageOverrides,
  });

/** The image a model trains, is processed and served in. */
const frameworkSchema = z.discriminatedUnion(
  'name',
  [
    tableFramework('sklearn'),
    tableFramework('xgboost'),
    tableFramework('pytorch'),
    z.strictObject({
      name: z.literal('custom').describe('An image of your own, by region.'),
      imageUris: imageUrisByRegion.describe(
        "Your image by region: it trains (`train`), processes and serves (`serve`) under SageMaker's contract.",
      ),
      processor: z
        .enum(['cpu', 'gpu'], "must be 'cpu' or 'gpu'")
        .describe('What it is built for: instance types of the other kind are refused.'),
      distributed: z
        .boolean('must be true or false')
        .default(false)
        .describe("Deprecated: the same as the model's `distribution: 'custom'`."),
      monitorImageUris: imageOverrides.monitorImageUris,
    }),
  ],
  { error: () => `must be one of ${[...FRAMEWORK_NAMES, 'custom'].map((n) => `'${n}'`).join(', ')}` },
);

export const modelSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,17}$/, 'must be 1-18 lowercase letters, digits and -, starting with a letter')
    .describe(
      'Name of the model, unique among the models; part of job names, so short (SageMaker names are at most 63 characters).',
    ),
  framework: frameworkSchema.describe(
    'The container that trains, processes and serves the model: a SageMaker framework image ' +
      '(`sklearn`, `xgboost`, `pytorch`, from their tables by region, CPU or GPU by instance type) ' +
      'or a `custom` one of your own.',
  ),
  problemType: z
    .enum(
      PROBLEM_TYPES,
      `must be a problem type with metrics in ml/evaluation-metrics.json: ${PROBLEM_TYPES.join(', ')}`,
    )
    .describe(
      'What kind of model it is; selects the metrics group of evaluation.json (`ml/evaluation-metrics.json`).',
    ),
  targetColumn: z.string().min(1).describe('The label column of the dataset.'),
  hyperparameters: z
    .record(
      z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a kebab-case name'),
      z.union([z.number(), z.string(), z.boolean()], 'must be a number, string or boolean'),
    )
    .describe('Passed to the training script as `--name value` (names in kebab-case).'),
  distribution: z
    .enum(TrainingDistribution, `must be one of ${TRAINING_DISTRIBUTIONS.map((d) => `'${d}'`).join(', ')}`)
    .default(TrainingDistribution.NONE)
    .describe(
      "How the model's train.py uses several training instances, one its framework offers: " +
        '`torch_distributed` (torchrun; PyTorch on GPU), `pytorchddp` (mpirun; PyTorch 1.12 or later on GPU), ' +
        '`xgboost_rabit` (XGBoost: the script calls `rabit_run`; each instance reads a shard of the train split, ' +
        'which preprocessing writes in as many files), `custom` (a custom image that distributes itself); ' +
        '`none`: one instance only (`instanceCount` 1).',
    ),
  checkpoints: z
    .boolean('must be true or false')
    .default(false)
    .describe(
      'Whether train.py saves checkpoints to /opt/ml/checkpoints and resumes from them, so that a spot ' +
        "interruption loses no work: with spot, SageMaker then syncs that folder with the run's " +
        '`checkpoints/` folder in the models bucket (`CheckpointConfig`); without, an interruption restarts ' +
        'training. Tuning trials keep none.',
    ),
  code: relativePath
    .optional()
    .describe(
      "The model's own code: `train.py`, `evaluate.py` and `inference.py` (and optionally " +
        "`preprocess.py`) under SageMaker's container contract, its `requirements.txt` and hashed lock. " +
        "Relative to the project's root; `ml/models/<name>` when not set.",
    ),
  qualityGate: z
    .strictObject({
      metric: z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/, 'must be a metric name of evaluation.json, e.g. auc')
        .describe("A metric the evaluation writes for the model's `problemType`."),
      operator: z
        .enum(['>=', '>', '<=', '<'], "must be one of '>=', '>', '<=', '<'")
        .describe('How the metric is compared with the threshold.'),
      threshold: z.number('must be a number').describe('The value the metric is compared with.'),
      vsChampion: z
        .strictObject({
          metric: z
            .string()
            .regex(/^[a-z][a-z0-9_]*$/, 'must be a metric name of evaluation.json, e.g. auc')
            .describe("A metric the evaluation writes for the model's `problemType`."),
          minImprovement: z
            .number('must be a number')
            .min(0, 'must be 0 or more')
            .describe("How much better than the champion's the metric must be."),
        })
        .optional()
        .describe(
          'Also registers the model only when `metric` beats the newest approved package of the ' +
            "model (the champion) by at least `minImprovement`, in the metric's better direction " +
            '(`ml/evaluation-metrics.json`); with no champion yet, the absolute gate alone decides. ' +
            'Not set: no comparison with the champion.',
        ),
    })
    .describe('The model is registered only when `metric operator threshold` holds on the test split.'),
  tuning: modelTuningSchema,
  serving: z
    .strictObject({
      mode: z
        .enum(SERVING_MODES, `must be one of ${SERVING_MODES.map((m) => `'${m}'`).join(', ')}`)
        .default('endpoint')
        .describe(
          "`endpoint`: a real-time endpoint, on instances or serverless as the environment's `serving.kind` says; " +
            '`async`: an asynchronous endpoint (requests and answers in S3, scales to zero); ' +
            '`batch`: no endpoint, a batch transform scores each new input batch.',
        ),
    })
    .prefault({})
    .describe('How the package each environment pins for this model is served.'),
  dataPipeline: z
    .strictObject({
      etlScript: relativePath.default('ml/data/etl.py').describe('The PySpark script (a Glue job).'),
      dbtProject: relativePath
        .default('ml/data/dbt')
        .describe('The dbt project directory (`dbt_project.yml`, `profiles.yml` with an `athena` target).'),
    })
    .optional()
    .describe(
      'Trains on features a data pipeline builds from each new raw dataset version (a PySpark job ' +
        'cleans it, a dbt project builds and tests the features), instead of on the raw CSV files. ' +
        "Paths are relative to the project's root. Not set: training reads the raw dataset version as it was pushed.",
    ),
});

const projectName = z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be lowercase letters, digits and -');
const environmentName = z.string().regex(/^[a-z][a-z0-9]{0,15}$/, 'must be lowercase letters and digits');

const configShape = z.strictObject({
  project: projectName.describe('Project name, used as a tag and a name prefix.'),
  environments: z
    .record(environmentName, environmentSchema)
    .describe(
      'The environments, keyed by name (lowercase letters and digits, becomes the stage id capitalized); `prod` is required.',
    ),
  promotion: z
    .array(z.string('must be an environment name'), 'must be a list of environment names')
    .describe(
      'The order models are promoted in (environment names, e.g. dev -> staging -> prod; each once, ' +
        `none of ${onlyIn(EMULATED_ENVIRONMENTS)}). Each environment's registry and model artifacts are readable by the next one's account only.`,
    ),
  models: z.array(modelSchema).describe('The models every environment trains; the same list everywhere.'),
  delivery: deliverySchema
    .optional()
    .describe('The delivery pipeline (CDK Pipelines) and GitHub Actions deploys; none without it.'),
});
export const configSchema = configShape.superRefine((config, ctx) => {
  if (config.delivery) deliveryProblems(config, ctx);
  if (!('prod' in config.environments)) {
    ctx.addIssue({
      code: 'custom',
      path: ['environments', 'prod'],
      message: 'is required: prod is the reference the other environments are checked against',
    });
  }
  config.promotion.forEach((name, i) => {
    const problem = !(name in config.environments)
      ? `'${name}' is not an environment (environments: ${Object.keys(config.environments).join(', ')})`
      : EMULATED_ENVIRONMENTS.includes(name)
        ? `'${name}' runs in an emulator: its models cannot be promoted, nor may a cloud environment trust its account`
        : config.promotion.indexOf(name) !== i
          ? `'${name}' is listed twice`
          : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['promotion', i], message: problem });
  });
  const names = config.models.map((m) => m.name);
  // Names that break their own pattern are reported as such, not again in every name made of them.
  const validNames = names.filter((n) => modelSchema.shape.name.safeParse(n).success);
  config.models.forEach((model, i) => {
    if (!validNames.includes(model.name)) return;
    const names = [
      ...jobNames(model.name, model.tuning !== undefined),
      ...(model.serving.mode === 'batch' ? [batchJobName(model.name)] : []),
    ];
    for (const message of nameProblems(names)) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message });
    }
  });
  config.models.forEach((model, i) => {
    for (const [path, message] of modelTuningProblems(model)) {
      ctx.addIssue({ code: 'custom', path: ['models', i, ...path], message });
    }
  });
  config.models.forEach((model, i) => {
    const written = EVALUATION_METRICS[model.problemType] ?? [];
    const gated = [
      [model.qualityGate.metric, ['qualityGate', 'metric']],
      ...(model.qualityGate.vsChampion
        ? [[model.qualityGate.vsChampion.metric, ['qualityGate', 'vsChampion', 'metric']] as const]
        : []),
    ] as const;
    for (const [metric, path] of gated) {
      if (written.includes(metric)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['models', i, ...path],
        message: `'${metric}' is not a ${model.problemType} metric the evaluation writes (${written.join(', ')}): every run would train and then fail the gate`,
      });
    }
  });
  config.models.forEach((model, i) => {
    const { framework } = model;
    if (framework.name === 'custom' || frameworkVersion(framework.name, framework.version)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['models', i, 'framework', 'version'],
      message: `'${framework.version}' is not a ${framework.name} version with SageMaker images (model ${model.name}): one of ${FRAMEWORKS[framework.name].versions.join(', ')}`,
    });
  });
  for (const [name, env] of Object.entries(config.environments)) {
    config.models.forEach((model, i) => {
      const { framework } = model;
      const images = [
        [
          framework.name === 'custom' ? 'custom' : FRAMEWORKS[framework.name].title,
          framework.name === 'custom' ? [] : KNOWN_IMAGE_REGIONS[framework.name],
          framework.imageUris,
          'imageUris',
        ],
        [
          'SageMaker Model Monitor',
          KNOWN_IMAGE_REGIONS.modelMonitor,
          framework.monitorImageUris,
          'monitorImageUris',
        ],
      ] as const;
      for (const [what, known, overrides, field] of images) {
        if (!KNOWN_REGIONS.has(env.region) || known.includes(env.region) || overrides?.[env.region]) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'region'],
          message:
            `no ${what} image is known for ${env.region} (model ${model.name}): set ` +
            `models[${i}].framework.${field}['${env.region}'] to the image URI in that region`,
        });
      }
      for (const [path, message] of instanceProblems(env, model, i)) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, ...path], message });
      }
    });
    for (const [path, message] of trainingOverrideProblems(env, config.models)) {
      ctx.addIssue({ code: 'custom', path: ['environments', name, ...path], message });
    }
  }
  config.models.forEach((model, i) => {
    for (const [path, message] of distributionProblems(model)) {
      ctx.addIssue({ code: 'custom', path: ['models', i, ...path], message });
    }
  });
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) {
      ctx.addIssue({
        code: 'custom',
        path: ['models', i, 'name'],
        message: `'${n}' is used by another model`,
      });
    }
    // Job names are `<model>-<step>-<run id>` and each model's roles allow `<model>-<step>-*`:
    // model `churn`'s would also cover the jobs of a model `churn-tune` (`churn-tune-...`).
    const under = names.find((other) => other !== n && n.startsWith(`${other}-`));
    if (under !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['models', i, 'name'],
        message: `'${n}' starts with model ${under}'s name and a dash: its SageMaker jobs would be named like ${under}'s, which ${under}'s roles may run and assume; choose a name that does not`,
      });
    }
  });
  const { staging, prod } = config.environments;
  if (staging && prod) {
    for (const field of ['kind', 'instanceType'] as const) {
      if (staging.serving[field] !== prod.serving[field]) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', 'staging', 'serving', field],
          message: `must be prod's (${prod.serving[field]}): staging mirrors prod, only counts may differ`,
        });
      }
    }
    if (staging.serving.batch.instanceType !== prod.serving.batch.instanceType) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', 'staging', 'serving', 'batch', 'instanceType'],
        message: `must be prod's (${prod.serving.batch.instanceType}): staging mirrors prod, only counts may differ`,
      });
    }
    for (const [path, message] of stagingTrainingProblems(staging, prod, config.models)) {
      ctx.addIssue({ code: 'custom', path: ['environments', 'staging', ...path], message });
    }
  }
  for (const [name, env] of Object.entries(config.environments)) {
    if (projectName.safeParse(config.project).success && environmentName.safeParse(name).success) {
      const parts = { project: config.project, environment: { ...env, name } };
      for (const message of nameProblems(derivedNames(parts, validNames))) {
        ctx.addIssue({ code: 'custom', path: ['environments', name], message });
      }
    }
    const training = env.training;
    // The schema tells a bad number itself: only the rule across the two is added here.
    const budgetValid = tuningBudgetSchema.safeParse(training.tuning).success;
    for (const message of budgetValid ? tuningBudgetProblems(training.tuning) : []) {
      ctx.addIssue({ code: 'custom', path: ['environments', name, 'training', 'tuning'], message });
    }
    for (const model of budgetValid ? config.models : []) {
      for (const message of model.tuning
        ? searchSpaceProblems(model.tuning.ranges as never, training.tuning.maxJobs)
        : []) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'training', 'tuning', 'maxJobs'],
          message: `model ${model.name}: ${message}`,
        });
      }
    }
    if (!SELF_APPROVING_ENVIRONMENTS.includes(name) && training.approvalStatus === 'Approved') {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', name, 'training', 'approvalStatus'],
        message: `must be 'PendingManualApproval' outside ${SELF_APPROVING_ENVIRONMENTS.join(' and ')}: a person approves models there`,
      });
    }
    servingProblems(name, env.serving).forEach(([path, message]) =>
      ctx.addIssue({ code: 'custom', path: ['environments', name, 'serving', ...path], message }),
    );
    if (!DISPOSABLE_ENVIRONMENTS.includes(name) && env.network !== 'vpc') {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', name, 'network'],
        message: `must be 'vpc' outside ${DISPOSABLE_ENVIRONMENTS.join(' and ')}`,
      });
    }
    if (!DISPOSABLE_ENVIRONMENTS.includes(name) && env.removalPolicy !== 'retain') {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', name, 'removalPolicy'],
        message: `must be 'retain' outside ${DISPOSABLE_ENVIRONMENTS.join(' and ')}`,
      });
    }
  }
});

/** What a model's framework image runs on and whether it distributes training, as the stacks choose it. */
export interface FrameworkFacts {
  /** How messages name it: `sklearn 1.2-1`, `custom image`. */
  readonly what: string;
  /** The processors it has images for. */
  readonly processors: readonly Processor[];
  /** Whether each processor has its own image (the training image then runs on one kind only). */
  readonly variantPerProcessor: boolean;
  /** The distributions a training script of it may declare besides `none`. */
  readonly distributions: readonly TrainingDistribution[];
}

/** The facts of a model's framework; undefined for a version its table does not know (reported as such). */
export function frameworkFacts(framework: ModelConfig['framework']): FrameworkFacts | undefined {
  if (framework.name === 'custom') {
    return {
      what: `custom image (${framework.processor})`,
      processors: [framework.processor],
      variantPerProcessor: false,
      distributions: [TrainingDistribution.CUSTOM],
    };
  }
  const known = frameworkVersion(framework.name, framework.version);
  return known && { ...known, what: `${framework.name} ${known.version}` };
}

const PROCESSOR_NAMES = { cpu: 'CPU', gpu: 'GPU', neuron: 'AWS Neuron (Inferentia, Trainium)' } as const;

/**
 * Instance types and counts an environment gives a model's jobs and endpoint that its image or its
 * training script cannot use: each as [path under the environment, message]. Training is checked on
 * the model's effective compute (`effectiveTraining`), at the path that set each value.
 */
function instanceProblems(
  env: z.infer<typeof environmentSchema>,
  model: z.infer<typeof modelSchema>,
  i: number,
): Array<[readonly string[], string]> {
  const facts = frameworkFacts(model.framework);
  if (!facts) return [];
  const problems: Array<[readonly string[], string]> = [];
  const runsOn = (processors: readonly Processor[]) =>
    processors.map((p) => PROCESSOR_NAMES[p]).join(' and ') + ' instances';
  const refuse = (path: readonly string[], type: string, processors: readonly Processor[], image: string) => {
    const processor = instanceProcessor(type);
    if ((processors as readonly string[]).includes(processor)) return;
    const article = processor === 'neuron' ? 'an' : 'a';
    problems.push([
      path,
      `${type} is ${article} ${PROCESSOR_NAMES[processor]} instance type, but model ${model.name}'s ${image} runs on ${runsOn(processors)} only`,
    ]);
  };
  const { training, serving } = env;
  const compute = effectiveTraining(env, model.name);
  const at = compute.source;
  refuse(at.instanceType, compute.instanceType, facts.processors, `image (${facts.what})`);
  // Preprocessing and evaluation run the training image: the variant chosen for the training instance.
  const trainingProcessor = instanceProcessor(compute.instanceType);
  if ((facts.processors as readonly string[]).includes(trainingProcessor)) {
    const variant = trainingProcessor as Processor;
    refuse(
      ['training', 'processingInstanceType'],
      training.processingInstanceType,
      facts.variantPerProcessor ? [variant] : facts.processors,
      facts.variantPerProcessor
        ? `training image (${facts.what}, its ${variant} variant for ${at.instanceType.join('.')} ${compute.instanceType}; preprocessing and evaluation run it too)`
        : `image (${facts.what})`,
    );
  }
  if (model.serving.mode === 'batch') {
    // No endpoint: its transforms run on the batch type.
    refuse(
      ['serving', 'batch', 'instanceType'],
      serving.batch.instanceType,
      facts.processors,
      `image (${facts.what})`,
    );
  } else if (serving.kind === 'instance') {
    refuse(['serving', 'instanceType'], serving.instanceType, facts.processors, `image (${facts.what})`);
  } else if (!facts.processors.includes('cpu')) {
    problems.push([
      ['serving', 'kind'],
      `must be 'instance': serverless endpoints run on CPU, and model ${model.name}'s image (${facts.what}) runs on ${runsOn(facts.processors)} only`,
    ]);
  }
  const distribution = modelDistribution(model);
  if (compute.instanceCount > 1 && distribution === TrainingDistribution.NONE) {
    const offered = facts.distributions.map((d) => `'${d}'`).join(', ');
    const fix =
      facts.distributions.length === 0
        ? `set 1 (${facts.what} offers no distribution)`
        : `set 1, or make train.py share the work and then declare how (models[${i}].distribution: ${offered}; docs/guide/training.md, "Compute per model")`;
    problems.push([
      at.instanceCount,
      `is ${compute.instanceCount}, but model ${model.name} declares no distribution (models[${i}].distribution is 'none'): its train.py would run alone on each instance, so the other instances would be paid for and idle; ${fix}`,
    ]);
  }
  const instanceProblem = distributionInstanceProblem(distribution, compute.instanceType);
  if (instanceProblem && facts.distributions.includes(distribution)) {
    problems.push([at.instanceType, `model ${model.name}'s distribution ${instanceProblem}`]);
  }
  return problems;
}

/** Problems of a model's declared distribution with its framework (the same in every environment). */
function distributionProblems(model: z.infer<typeof modelSchema>): Array<[string[], string]> {
  const facts = frameworkFacts(model.framework);
  const distribution = modelDistribution(model);
  if (!facts || distribution === TrainingDistribution.NONE) return [];
  if (!facts.distributions.includes(distribution)) {
    const offered = facts.distributions.length
      ? `only ${facts.distributions.map((d) => `'${d}'`).join(', ')}`
      : 'none';
    return [
      [
        ['distribution'],
        `'${distribution}' is not a distribution model ${model.name}'s framework (${facts.what}) offers (it offers ${offered})`,
      ],
    ];
  }
  if (model.framework.name !== 'pytorch') return [];
  const version = frameworkVersion('pytorch', model.framework.version)!.version;
  const problem = distributionVersionProblem(distribution, version);
  return problem
    ? [
        [
          ['framework', 'version'],
          `'${model.framework.version}' (model ${model.name}, distribution ${distribution}): ${problem}`,
        ],
      ]
    : [];
}

/**
 * Problems of an environment's training compute that do not depend on the image: overrides of
 * models that do not exist, and a spot wait shorter than the runtime, on each model's effective
 * values (reported once at the environment's own fields when neither value is overridden).
 */
function trainingOverrideProblems(
  env: z.infer<typeof environmentSchema>,
  models: ReadonlyArray<z.infer<typeof modelSchema>>,
): Array<[readonly string[], string]> {
  const names = models.map((m) => m.name);
  const problems: Array<[readonly string[], string]> = Object.keys(env.training.models)
    .filter((name) => !names.includes(name))
    .map((name) => [
      ['training', 'models', name],
      `'${name}' is not a model (models: ${names.join(', ') || 'none'})`,
    ]);
  const spotOf = (name: string) => {
    const compute = effectiveTraining(env, name);
    const { maxRuntimeMinutes: runtime, spot } = compute;
    if (!spot.enabled || spot.maxWaitMinutes >= runtime) return undefined;
    const waitAt = compute.source['spot.maxWaitMinutes'];
    const runtimeAt = compute.source.maxRuntimeMinutes;
    const overridden = (path: readonly string[]) => path[1] === 'models';
    if (overridden(runtimeAt) && !overridden(waitAt)) {
      return [
        runtimeAt,
        `is ${runtime}, above model ${name}'s spot wait (${waitAt.join('.')}: ${spot.maxWaitMinutes}), which includes the runtime: at most ${spot.maxWaitMinutes}, or a longer training.models.${name}.spot.maxWaitMinutes`,
      ] as const;
    }
    const own = [waitAt, runtimeAt, compute.source['spot.enabled']].some(overridden);
    return [
      waitAt,
      own
        ? `must be at least ${runtimeAt.join('.')} (${runtime}) for model ${name}: its spot wait includes the runtime`
        : `must be at least training.maxRuntimeMinutes (${runtime})`,
    ] as const;
  };
  const spot = names.map(spotOf).filter((p) => p !== undefined);
  const seen = new Set<string>();
  for (const [path, message] of spot) {
    const key = `${path.join('.')}: ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push([path, message]);
  }
  return problems;
}

/**
 * Staging mirrors prod in training too: each model's effective training instance type in staging
 * must be its type in prod (counts, runtimes and spot may differ), at the path that set staging's.
 */
function stagingTrainingProblems(
  staging: z.infer<typeof environmentSchema>,
  prod: z.infer<typeof environmentSchema>,
  models: ReadonlyArray<z.infer<typeof modelSchema>>,
): Array<[readonly string[], string]> {
  const problems = new Map<string, [readonly string[], string]>();
  for (const model of models) {
    const ours = effectiveTraining(staging, model.name);
    const theirs = effectiveTraining(prod, model.name);
    if (ours.instanceType === theirs.instanceType) continue;
    const overridden = [ours, theirs].some((c) => c.source.instanceType[1] === 'models');
    const message = overridden
      ? `must be prod's for model ${model.name} (${theirs.instanceType}, prod.${theirs.source.instanceType.join('.')}): staging mirrors prod, only counts may differ`
      : `must be prod's (${theirs.instanceType}): staging mirrors prod, only counts may differ`;
    problems.set(`${ours.source.instanceType.join('.')}: ${message}`, [ours.source.instanceType, message]);
  }
  return [...problems.values()];
}

/** Rules of the delivery section that involve the environments. */
function deliveryProblems(config: z.infer<typeof configShape>, ctx: z.RefinementCtx): void {
  const delivery = config.delivery!;
  const order = delivery.order ?? config.promotion;
  const path = delivery.order ? ['delivery', 'order'] : ['promotion'];
  if (order.length === 0) {
    ctx.addIssue({ code: 'custom', path, message: 'must name at least one environment to deliver to' });
  }
  order.forEach((name, i) => {
    const problem = !(name in config.environments)
      ? `'${name}' is not an environment (environments: ${Object.keys(config.environments).join(', ')})`
      : EMULATED_ENVIRONMENTS.includes(name)
        ? `'${name}' runs in an emulator on a laptop: no pipeline deploys it`
        : order.indexOf(name) !== i
          ? `'${name}' is listed twice`
          : outsideToolingRegion(name, config.environments[name].region, delivery.region);
    if (problem) ctx.addIssue({ code: 'custom', path: [...path, i], message: problem });
  });
  delivery.manualApproval.forEach((name, i) => {
    if (!order.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', 'manualApproval', i],
        message: `'${name}' is not in the delivery order (${order.join(' -> ')})`,
      });
    }
  });
  if (order.includes('prod') && !delivery.manualApproval.includes('prod')) {
    ctx.addIssue({
      code: 'custom',
      path: ['delivery', 'manualApproval'],
      message: 'must include prod: a person approves every production deploy',
    });
  }
  const [, region, account] = CONNECTION_ARN.exec(delivery.source.connectionArn) ?? [];
  if (account && (account !== delivery.account || region !== delivery.region)) {
    ctx.addIssue({
      code: 'custom',
      path: ['delivery', 'source', 'connectionArn'],
      message: `is a connection of ${account} in ${region}; the pipeline runs in ${delivery.account} in ${delivery.region} and can use only its own connections`,
    });
  }
}

/**
 * Why an environment in another region than the pipeline cannot be delivered to: CDK Pipelines
 * would add a replication bucket per other region, in a support stack it builds itself, outside
 * the platform's encryption, logging and retention settings. (An unknown region is reported as such.)
 */
function outsideToolingRegion(name: string, region: string, toolingRegion: string): string | undefined {
  if (!KNOWN_REGIONS.has(region) || region === toolingRegion) return undefined;
  return `'${name}' is in ${region}, the pipeline in ${toolingRegion}: deliver only to environments in the tooling region (cross-region delivery is not supported yet)`;
}

/** Rules that span serving knobs; each problem as [path under `serving`, message]. */
function servingProblems(env: string, serving: z.infer<typeof servingSchema>): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  const { autoscaling } = serving;
  if (autoscaling.minInstances > autoscaling.maxInstances) {
    problems.push([
      ['autoscaling', 'minInstances'],
      `must not be above autoscaling.maxInstances (${autoscaling.maxInstances})`,
    ]);
  }
  if (
    serving.initialInstanceCount < autoscaling.minInstances ||
    serving.initialInstanceCount > autoscaling.maxInstances
  ) {
    problems.push([['initialInstanceCount'], `must be between autoscaling.minInstances and maxInstances`]);
  }
  // botocore's CreateTransformJob: MaxConcurrentTransforms × MaxPayloadInMB cannot exceed 100 MB.
  const { maxConcurrentTransforms, maxPayloadMb } = serving.batch;
  // (Each above 100 on its own is its own field's problem, said once.)
  if (maxConcurrentTransforms <= 100 && maxPayloadMb <= 100 && maxConcurrentTransforms * maxPayloadMb > 100) {
    problems.push([
      ['batch', 'maxConcurrentTransforms'],
      `times batch.maxPayloadMb (${maxConcurrentTransforms} × ${maxPayloadMb} MB) must be at most 100 MB (SageMaker's limit for a transform job)`,
    ]);
  }
  if (serving.kind === 'serverless' && serving.dataCapturePercent > 0) {
    problems.push([
      ['dataCapturePercent'],
      'must be 0 with a serverless variant: serverless endpoints support no data capture',
    ]);
  }
  if (env === 'prod') {
    if (serving.kind !== 'instance')
      problems.push([['kind'], "must be 'instance' in prod: serverless has no blue/green rollout"]);
    if (serving.initialInstanceCount < 2)
      problems.push([['initialInstanceCount'], 'must be at least 2 in prod']);
    if (autoscaling.minInstances < 2)
      problems.push([['autoscaling', 'minInstances'], 'must be at least 2 in prod']);
  }
  return problems;
}

/** The settings of one environment, as validated. */
export type EnvironmentSettings = z.infer<typeof environmentSchema>;
/** The training knobs of an environment, as validated. */
export type TrainingSettings = z.infer<typeof trainingSchema>;
/** The monitoring knobs of an environment, as validated. */
export type MonitoringSettings = z.infer<typeof monitoringSchema>;
/** The serving knobs of an environment, as validated. */
export type ServingSettings = z.infer<typeof servingSchema>;
/** One model, as validated. */
export type ModelConfig = z.infer<typeof modelSchema>;

/** Where a model's code is: its `code`, else `ml/models/<name>`. */
export function modelCodeDirectory(model: Pick<ModelConfig, 'name' | 'code'>): string {
  return model.code ?? `ml/models/${model.name}`;
}
/** The whole configuration, as written in `config/environments.ts`. */
export type MlEnvConfigInput = z.input<typeof configSchema>;
/** The whole configuration, as validated. */
export type MlEnvConfigData = z.infer<typeof configSchema>;
