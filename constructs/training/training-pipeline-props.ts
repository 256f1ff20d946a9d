import { Duration, type IResource, type Size } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DatasetLayout } from '../common/dataset-layout';
import type { IRunRecorder } from './run-recording';
import { ModelLayout } from '../common/model-layout';
import type { MlNetworkPlacement } from '../network/ml-network';
import type { IModelRegistry } from '../registry/model-registry';
import type { IMlDataStore } from '../storage/ml-data-store';
import type { FrameworkImage } from './framework-image';
import type { MlInstanceType } from './ml-instance-type';
import { championRuleProblems } from './champion-gate';
import { gateProblems, type ProblemType, type QualityGate } from './quality-gate';
import type { SourceCode } from './source-code';
import { type TuningOptions, tuningProblems } from './tuning';
import { distributionInstanceProblem, TrainingDistribution } from './training-distribution';

/**
 * A training pipeline of one model: what alarms, dashboards and drift monitors need of it. Use
 * `TrainingPipeline.fromTrainingPipelineAttributes` for a pipeline of another stack or app.
 */
export interface ITrainingPipeline extends IResource {
  /** The model the pipeline trains. */
  readonly modelName: string;
  /** The state machine that runs it; start it to train. */
  readonly stateMachine: sfn.IStateMachine;
}

/** What a training pipeline's execution takes (see `TrainingPipeline`). */
export interface TrainingPipelineInput {
  /** A version's folder under `s3://<raw bucket>/<model>/`; with `latest`, the dataset's prefix. */
  readonly datasetS3Uri: string;
  /** The version, or `latest` (`DatasetLayout.LATEST`): the newest pushed one. */
  readonly datasetVersion: string;
  /** Why it runs (`manual`, `schedule`, `new-data`, `drift`); recorded in the package's lineage. */
  readonly reason: string;
}

/**
 * The input that trains `modelName` on the newest pushed version of its dataset (the one its
 * `latest.json` names when the execution starts): what the schedule, new data and drift send.
 */
export function latestDatasetInput(
  rawBucket: s3.IBucket,
  modelName: string,
  reason: string,
): TrainingPipelineInput {
  return {
    datasetS3Uri: `s3://${rawBucket.bucketName}/${new ModelLayout(modelName).datasetPrefix}`,
    datasetVersion: DatasetLayout.LATEST,
    reason,
  };
}

/** Approval status given to a newly registered model package. */
export enum ModelApprovalStatus {
  APPROVED = 'Approved',
  PENDING_MANUAL_APPROVAL = 'PendingManualApproval',
}

/** Managed spot training. */
export interface SpotTrainingOptions {
  /** Longest the job may take, waiting for spot capacity included; at least `maxRuntime`. */
  readonly maxWait: Duration;
  /**
   * Whether the training script saves checkpoints to `/opt/ml/checkpoints` and resumes from them:
   * SageMaker then syncs that folder with the run's `checkpoints/` folder of the models bucket, so
   * an interrupted job loses no work. Without, an interruption restarts training.
   * @default true
   */
  readonly checkpoints?: boolean;
}

/** A metric the training job prints, captured from its logs by a regular expression. */
export interface TrainingMetric {
  readonly name: string;
  /** A regular expression with one group that captures the value. */
  readonly regex: string;
}

/** The scripts of the source code that run each step. */
export interface EntryPoints {
  /** @default 'preprocess.py' */
  readonly preprocess?: string;
  /** @default 'train.py' */
  readonly train?: string;
  /** @default 'evaluate.py' */
  readonly evaluate?: string;
  /** Serves the model (`model_fn`, `transform_fn`); must be in the model artifact's `code/`. @default 'inference.py' */
  readonly inference?: string;
}

/** Properties of a `TrainingPipeline`. */
export interface TrainingPipelineProps {
  /** The model; lowercase, at most 18 characters (it is part of SageMaker job names). */
  readonly modelName: string;
  /** Where datasets come from (`raw/<model>/`) and where splits, models and evaluations go. */
  readonly dataStore: IMlDataStore;
  /** Where evaluated models are registered. */
  readonly registry: IModelRegistry;
  /** The container that runs every job (and serves the model, unless `inferenceImage` is given). */
  readonly image: FrameworkImage;
  /** The container that serves the model, recorded in its package. @default - the `image` */
  readonly inferenceImage?: FrameworkImage;
  /** The container that computes the data-quality baseline. @default FrameworkImage.modelMonitor() */
  readonly monitorImage?: FrameworkImage;
  /** The workload's code. */
  readonly sourceCode: SourceCode;
  /** @default - preprocess.py, train.py, evaluate.py, inference.py */
  readonly entryPoints?: EntryPoints;
  /**
   * The gate the evaluation must pass for the model to be registered: an absolute threshold, and
   * optionally a comparison with the champion (`vsChampion`).
   */
  readonly qualityGate: QualityGate;

  /** @default ProblemType.BINARY_CLASSIFICATION */
  readonly problemType?: ProblemType;
  /** The label column of the dataset. @default 'target' */
  readonly targetColumn?: string;
  /** Passed to the training script as `--name value`. @default - none */
  readonly hyperparameters?: Record<string, string | number | boolean>;
  /** Metrics captured from the training logs. @default - none */
  readonly metricDefinitions?: TrainingMetric[];

  /** @default MlInstanceType.of('ml.m5.large') */
  readonly trainingInstanceType?: MlInstanceType;
  /** More than 1 only with a `distribution`. @default 1 */
  readonly trainingInstanceCount?: number;
  /**
   * How the training script uses the instances of its job (see `TrainingDistribution`): the
   * launcher's hyperparameters (`sagemaker_torch_distributed_enabled` or
   * `sagemaker_pytorch_ddp_enabled`, and `sagemaker_instance_type`, as the SageMaker Python SDK
   * sets them), or, with `XGBOOST_RABIT`, a `train` channel `ShardedByS3Key`; with more than one
   * instance, the preprocess script is then also given `--train-shards <instance count>` and
   * must write at least that many files to the train split (mlenv_model.splits does).
   * `TORCH_DISTRIBUTED` and `PYTORCH_DDP` need a GPU `trainingInstanceType`.
   * @default TrainingDistribution.NONE - one instance, the script trains alone
   */
  readonly distribution?: TrainingDistribution;
  /** Instance type of the preprocessing and evaluation jobs. @default MlInstanceType.of('ml.m5.large') */
  readonly processingInstanceType?: MlInstanceType;
  /** ML storage volume of each job instance. @default Size.gibibytes(30) */
  readonly volumeSize?: Size;
  /** Longest each job may run; the job's task times out an hour later. @default Duration.hours(1) */
  readonly maxRuntime?: Duration;
  /**
   * Tune instead of training once: a `Tune` step (a SageMaker tuning job whose trials are the
   * training job with hyperparameters sampled from `tuning.ranges`) replaces `Train`, and the best
   * trial's model is evaluated and registered; its package records the tuning job and the winning
   * values (`tuned.<name>`). The objective must be one of `metricDefinitions`.
   * @default - one training job with `hyperparameters`
   */
  readonly tuning?: TuningOptions;
  /** Train on spot capacity (with checkpoints in the models bucket, unless `spot.checkpoints` is false). @default - on-demand */
  readonly spot?: SpotTrainingOptions;
  /** Run the jobs in these VPC subnets and security groups. @default - SageMaker's own network (still isolated) */
  readonly network?: MlNetworkPlacement;

  /** Status of a newly registered package. @default ModelApprovalStatus.PENDING_MANUAL_APPROVAL */
  readonly approvalStatus?: ModelApprovalStatus;
  /** The code version (git commit) recorded in the package's lineage. @default 'unknown' */
  readonly codeVersion?: string;
  /** Instance types the registered package declares for serving. @default - ml.m5.large, ml.m5.xlarge */
  readonly inferenceInstanceTypes?: MlInstanceType[];
  /** The instance type the registered package declares for batch transforms. @default - the processing instance type */
  readonly transformInstanceType?: MlInstanceType;

  /** Where success and failure are published. @default - a new topic encrypted with the data store's key */
  readonly notificationTopic?: sns.ITopic;
  /** Execution history log. @default - no execution logging */
  readonly logGroup?: logs.ILogGroup;
  /** Start training on this schedule, on the newest version of the model's dataset. @default - no schedule */
  readonly schedule?: events.Schedule;
  /** Whether the schedule's rule is enabled. @default true */
  readonly scheduleEnabled?: boolean;
  /**
   * Start training when a new version of the model's dataset is complete (`mlenv data push`
   * writes `raw/<model>/latest.json` after the version's manifest), on that version. @default true
   */
  readonly startOnNewData?: boolean;
  /**
   * Also trains on the features a data pipeline builds in the curated bucket
   * (`s3://<curated bucket>/<model>/data/features/<version>/`, `ModelLayout.featuresDir`), as well
   * as on raw dataset versions.
   * @default false
   */
  readonly acceptFeatures?: boolean;
  /**
   * Records each run in MLflow after its evaluation (`RecordRun`) and links it to the package
   * registered from it (`LinkRun`); the package's metadata names the run (`mlflowRunId`).
   * Recording never fails a run.
   * @default - runs are not recorded
   */
  readonly runRecorder?: IRunRecorder;
}

/** Throws one error listing every problem of `props`, naming the construct at `path`. */
export function validateTrainingPipelineProps(path: string, props: TrainingPipelineProps): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,17}$/.test(props.modelName)) {
    problems.push(
      `modelName '${props.modelName}' must be 1-18 lowercase letters, digits and -, starting with a letter (job names are at most 63 characters)`,
    );
  }
  problems.push(...gateProblems(props.qualityGate));
  if (props.qualityGate.vsChampion) problems.push(...championRuleProblems(props.qualityGate.vsChampion));
  const count = props.trainingInstanceCount ?? 1;
  if (!Number.isInteger(count) || count < 1)
    problems.push('trainingInstanceCount must be a whole number >= 1');
  const distribution = props.distribution ?? TrainingDistribution.NONE;
  if (count > 1 && distribution === TrainingDistribution.NONE) {
    problems.push(
      `trainingInstanceCount is ${count}, but distribution is NONE: the training script would run alone on each instance; set 1, or the distribution the script does`,
    );
  }
  const instanceProblem = distributionInstanceProblem(
    distribution,
    props.trainingInstanceType?.toString() ?? 'ml.m5.large',
  );
  if (instanceProblem) problems.push(`distribution: ${instanceProblem} (trainingInstanceType)`);
  const maxRuntime = props.maxRuntime ?? Duration.hours(1);
  if (props.spot && props.spot.maxWait.toSeconds() < maxRuntime.toSeconds()) {
    problems.push(
      `spot.maxWait (${props.spot.maxWait.toHumanString()}) must be at least maxRuntime (${maxRuntime.toHumanString()})`,
    );
  }
  if (maxRuntime.toSeconds() < 60) problems.push('maxRuntime must be at least 1 minute');
  for (const key of Object.keys(props.hyperparameters ?? {})) {
    if (key.startsWith('sagemaker_'))
      problems.push(`hyperparameter '${key}': names starting with sagemaker_ are reserved`);
  }
  if (props.tuning) {
    problems.push(
      ...tuningProblems(
        props.tuning,
        (props.metricDefinitions ?? []).map((m) => m.name),
      ),
    );
  }
  if (problems.length > 0)
    throw new Error(`Invalid TrainingPipeline props at ${path}:\n  - ${problems.join('\n  - ')}`);
}
