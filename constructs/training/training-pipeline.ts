import { CfnOutput, Duration, Size, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { grantNetworkInterfaces } from '../network/grant-network-interfaces';
import type { MlNetworkPlacement } from '../network/ml-network';
import type { IModelRegistry } from '../registry/model-registry';
import type { IMlDataStore } from '../storage/ml-data-store';
import { FrameworkImage } from './framework-image';
import { MlInstanceType } from './ml-instance-type';
import { gateProblems, metricPath, passesGate, ProblemType, type QualityGate } from './quality-gate';
import { type JobDefaults, processingJobState, trainingJobState } from './sagemaker-job-states';
import type { SourceCode } from './source-code';
import { TrainingJobRole } from './training-job-role';

/** Approval status given to a newly registered model package. */
export enum ModelApprovalStatus {
  APPROVED = 'Approved',
  PENDING_MANUAL_APPROVAL = 'PendingManualApproval',
}

/** Managed spot training. */
export interface SpotTrainingOptions {
  /** Longest the job may take, waiting for spot capacity included; at least `maxRuntime`. */
  readonly maxWait: Duration;
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
  /** The container that runs every job and serves the model. */
  readonly image: FrameworkImage;
  /** The container that computes the data-quality baseline. @default FrameworkImage.modelMonitor() */
  readonly monitorImage?: FrameworkImage;
  /** The workload's code. */
  readonly sourceCode: SourceCode;
  /** @default - preprocess.py, train.py, evaluate.py, inference.py */
  readonly entryPoints?: EntryPoints;
  /** The gate the evaluation must pass for the model to be registered. */
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
  /** @default 1 */
  readonly trainingInstanceCount?: number;
  /** Instance type of the preprocessing and evaluation jobs. @default MlInstanceType.of('ml.m5.large') */
  readonly processingInstanceType?: MlInstanceType;
  /** ML storage volume of each job instance. @default Size.gibibytes(30) */
  readonly volumeSize?: Size;
  /** Longest each job may run; the job's task times out an hour later. @default Duration.hours(1) */
  readonly maxRuntime?: Duration;
  /** Train on spot capacity, with checkpoints in the models bucket. @default - on-demand */
  readonly spot?: SpotTrainingOptions;
  /** Run the jobs in these VPC subnets and security groups. @default - SageMaker's own network (still isolated) */
  readonly network?: MlNetworkPlacement;

  /** Status of a newly registered package. @default ModelApprovalStatus.PENDING_MANUAL_APPROVAL */
  readonly approvalStatus?: ModelApprovalStatus;
  /** The code version (git commit) recorded in the package's lineage. @default 'unknown' */
  readonly codeVersion?: string;
  /** Instance types the registered package declares for serving. @default - ml.m5.large, ml.m5.xlarge */
  readonly inferenceInstanceTypes?: MlInstanceType[];

  /** Where success and failure are published. @default - a new topic encrypted with the data store's key */
  readonly notificationTopic?: sns.ITopic;
  /** Execution history log. @default - no execution logging */
  readonly logGroup?: logs.ILogGroup;
  /** Start training on this schedule (with the whole `raw/<model>/` prefix). @default - no schedule */
  readonly schedule?: events.Schedule;
  /** Whether the schedule's rule is enabled. @default true */
  readonly scheduleEnabled?: boolean;
  /** Start training when a `.csv` object lands under `raw/<model>/`. @default true */
  readonly startOnNewData?: boolean;
}

/** Retried on every SageMaker job: throttling, quota and transient service errors. */
export const SAGEMAKER_RETRYABLE_ERRORS = [
  'SageMaker.ThrottlingException',
  'SageMaker.ResourceLimitExceeded',
  'SageMaker.ResourceLimitExceededException',
  'SageMaker.InternalFailure',
  'SageMaker.ServiceUnavailable',
  'SageMaker.AmazonSageMakerException',
];

/** The hour a job may wait for instances beyond its own runtime before its task times out. */
const PROVISIONING_MARGIN = Duration.hours(1);

/**
 * A Step Functions state machine that turns a dataset into an evaluated, registered model:
 * Preprocess (processing job) -> Train (training job) -> Evaluate (processing job) -> Baseline
 * (Model Monitor data-quality baseline) -> ReadMetrics -> QualityGate -> RegisterModel (with
 * metrics, drift baselines and lineage) -> NotifySuccess, with every failure caught, notified and
 * ended as failed.
 *
 * An execution takes `{"datasetS3Uri": "s3://<raw bucket>/<model>/...", "datasetVersion": "...",
 * "reason": "..."}`. Job names are `<model>-<step>-<md5 of the execution name>`.
 */
export class TrainingPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The role every SageMaker job of the pipeline runs as. */
  public readonly jobRole: iam.IRole;
  public readonly notificationTopic: sns.ITopic;
  /** The model this pipeline trains. */
  public readonly modelName: string;
  private readonly keyArn: string;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    validate(props);
    const stack = Stack.of(this);
    const model = props.modelName;
    this.modelName = model;
    const { dataStore, registry } = props;
    const entry = {
      preprocess: 'preprocess.py',
      train: 'train.py',
      evaluate: 'evaluate.py',
      inference: 'inference.py',
      ...props.entryPoints,
    };
    const image = props.image.bind(this);
    const monitorImage = (props.monitorImage ?? FrameworkImage.modelMonitor()).bind(this);
    const code = props.sourceCode.bind(this, 'SourceCode');
    const missing = Object.values(entry).filter((f) => !code.files.includes(f));
    if (missing.length > 0) {
      throw new Error(
        `TrainingPipeline ${this.node.path}: entry points not in the source code: ${missing.join(', ')}`,
      );
    }

    this.jobRole = new TrainingJobRole(this, 'JobRole', {
      modelName: model,
      dataStore,
      code,
      images: [image, monitorImage],
    }).role;
    this.keyArn = dataStore.encryptionKey.keyArn;
    this.notificationTopic =
      props.notificationTopic ??
      new sns.Topic(this, 'Notifications', { masterKey: dataStore.encryptionKey, enforceSSL: true });

    const maxRuntime = props.maxRuntime ?? Duration.hours(1);
    const trainingWait = props.spot?.maxWait ?? maxRuntime;
    const job: JobDefaults = {
      roleArn: this.jobRole.roleArn,
      imageUri: image.imageUri,
      kmsKeyArn: dataStore.encryptionKey.keyArn,
      volumeSizeGb: (props.volumeSize ?? Size.gibibytes(30)).toGibibytes(),
      maxRuntimeSeconds: maxRuntime.toSeconds(),
      code,
      network: props.network,
    };
    if (props.network) grantNetworkInterfaces(this.jobRole);
    const processingType = props.processingInstanceType ?? MlInstanceType.of('ml.m5.large');
    const targetColumn = props.targetColumn ?? 'target';
    const runPath = (bucket: string, suffix: string) => ({
      path: `States.Format('s3://${bucket}/${model}/runs/{}/${suffix}', $.run.id)`,
    });
    const curated = dataStore.curatedBucket.bucketName;
    const models = dataStore.modelsBucket.bucketName;
    const jobName = (step: string) => `States.Format('${model}-${step}-{}', $.run.id)`;

    // Failure path: every error ends here, is published, and fails the execution.
    const failed = new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: this.notificationTopic,
      subject: `Training of ${model} failed`,
      message: sfn.TaskInput.fromObject({
        result: 'failed',
        model,
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
        execution: sfn.JsonPath.executionId,
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    notifyFailure.addCatch(failed, { resultPath: '$.notificationError' });
    notifyFailure.next(failed);
    /** A state that records `error` (and `cause`: text, or a JSONPath intrinsic) and fails. */
    const failWith = (error: string, cause: { text: string } | { intrinsic: string }) =>
      new sfn.Pass(this, error, {
        parameters: {
          Error: error,
          ...('text' in cause ? { Cause: cause.text } : { 'Cause.$': cause.intrinsic }),
        },
        resultPath: '$.error',
      }).next(notifyFailure);
    const catchAll = { resultPath: '$.error' };

    // Steps.
    const invalidInput = failWith('InvalidInput', {
      text:
        `The input must have the strings datasetS3Uri (under s3://<raw bucket>/${model}/), ` +
        'datasetVersion and reason',
    });
    const prepareRun = new sfn.Pass(this, 'PrepareRun', {
      parameters: { 'id.$': "States.Hash($$.Execution.Name, 'MD5')" },
      resultPath: '$.run',
    });

    const preprocess = processingJobState(this, 'Preprocess', job, {
      jobName: jobName('preprocess'),
      script: { name: entry.preprocess, arguments: ['--target-column', targetColumn] },
      instanceType: processingType,
      inputs: [{ name: 'raw', s3Uri: { path: '$.datasetS3Uri' }, localPath: '/opt/ml/processing/input/raw' }],
      outputs: ['train', 'validation', 'test', 'baseline'].map((split) => ({
        name: split,
        s3Uri: runPath(curated, split),
        localPath: `/opt/ml/processing/output/${split}`,
      })),
      resultPath: '$.preprocess',
      timeout: maxRuntime.plus(PROVISIONING_MARGIN),
    });
    const train = trainingJobState(this, 'Train', job, {
      jobName: jobName('train'),
      script: entry.train,
      hyperparameters: {
        ...Object.fromEntries(Object.entries(props.hyperparameters ?? {}).map(([k, v]) => [k, String(v)])),
        'target-column': targetColumn,
      },
      metricDefinitions: props.metricDefinitions ?? [],
      instanceType: props.trainingInstanceType ?? MlInstanceType.of('ml.m5.large'),
      instanceCount: props.trainingInstanceCount ?? 1,
      channels: ['train', 'validation'].map((split) => ({
        name: split,
        s3Uri: runPath(curated, `${split}/`),
      })),
      outputPath: runPath(models, ''),
      spot: props.spot && {
        maxWaitSeconds: props.spot.maxWait.toSeconds(),
        checkpointS3Uri: { path: `States.Format('s3://${models}/${model}/checkpoints/{}/', $.run.id)` },
      },
      resultPath: '$.train',
      timeout: trainingWait.plus(PROVISIONING_MARGIN),
    });
    const evaluate = processingJobState(this, 'Evaluate', job, {
      jobName: jobName('evaluate'),
      script: { name: entry.evaluate, arguments: ['--target-column', targetColumn] },
      instanceType: processingType,
      inputs: [
        { name: 'model', s3Uri: { path: '$.train.modelArtifacts' }, localPath: '/opt/ml/processing/model' },
        { name: 'test', s3Uri: runPath(curated, 'test/'), localPath: '/opt/ml/processing/test' },
      ],
      outputs: [
        {
          name: 'evaluation',
          s3Uri: runPath(models, 'evaluation'),
          localPath: '/opt/ml/processing/evaluation',
        },
      ],
      resultPath: '$.evaluate',
      timeout: maxRuntime.plus(PROVISIONING_MARGIN),
    });
    // Data-quality baseline of the training features (statistics.json, constraints.json next to
    // the model), recorded in the package for drift monitoring.
    const baseline = processingJobState(this, 'Baseline', job, {
      jobName: jobName('baseline'),
      imageUri: monitorImage.imageUri,
      environment: {
        dataset_format: JSON.stringify({ csv: { header: true, output_columns_position: 'START' } }),
        dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
        output_path: '/opt/ml/processing/output',
        publish_cloudwatch_metrics: 'Disabled',
      },
      instanceType: processingType,
      inputs: [
        {
          name: 'baseline_dataset_input',
          s3Uri: runPath(curated, 'baseline/'),
          localPath: '/opt/ml/processing/input/baseline_dataset_input',
        },
      ],
      outputs: [
        {
          name: 'monitoring_output',
          s3Uri: runPath(models, 'baseline'),
          localPath: '/opt/ml/processing/output',
        },
      ],
      resultPath: '$.baseline',
      timeout: maxRuntime.plus(PROVISIONING_MARGIN),
    });
    for (const state of [preprocess, train, evaluate, baseline]) {
      state.addRetry({
        errors: SAGEMAKER_RETRYABLE_ERRORS,
        interval: Duration.seconds(30),
        backoffRate: 2,
        maxAttempts: 4,
        jitterStrategy: sfn.JitterType.FULL,
      });
      state.addCatch(notifyFailure, catchAll);
    }

    const readMetrics = new tasks.CallAwsService(this, 'ReadMetrics', {
      service: 's3',
      action: 'getObject',
      parameters: {
        Bucket: models,
        Key: sfn.JsonPath.format(
          `${model}/runs/{}/evaluation/evaluation.json`,
          sfn.JsonPath.stringAt('$.run.id'),
        ),
      },
      iamResources: [dataStore.modelsBucket.arnForObjects(`${model}/runs/*/evaluation/evaluation.json`)],
      resultSelector: { metrics: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Body')) },
      resultPath: '$.evaluation',
      taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
    });
    readMetrics.addRetry({
      errors: ['S3.SdkClientException', 'S3.InternalErrorException', 'States.Timeout'],
      maxAttempts: 3,
    });
    readMetrics.addCatch(notifyFailure, catchAll);

    const group = registry.modelPackageGroup(model);
    const registerModel = new tasks.CallAwsService(this, 'RegisterModel', {
      service: 'sagemaker',
      action: 'createModelPackage',
      iamResources: [group.packagesArn],
      parameters: {
        ModelPackageGroupName: group.groupName,
        ModelPackageDescription: sfn.JsonPath.format(
          `${model} trained by execution {} on {}`,
          sfn.JsonPath.executionName,
          sfn.JsonPath.stringAt('$.datasetS3Uri'),
        ),
        ModelApprovalStatus: props.approvalStatus ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
        InferenceSpecification: {
          Containers: [
            {
              Image: image.imageUri,
              ModelDataUrl: sfn.JsonPath.stringAt('$.train.modelArtifacts'),
              // The training script puts the serving code into the artifact: a network-isolated
              // endpoint cannot download it.
              Environment: {
                SAGEMAKER_PROGRAM: entry.inference,
                SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
                SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
                SAGEMAKER_REGION: stack.region,
              },
            },
          ],
          SupportedContentTypes: ['text/csv', 'application/json'],
          SupportedResponseMIMETypes: ['application/json', 'text/csv'],
          SupportedRealtimeInferenceInstanceTypes: (
            props.inferenceInstanceTypes ?? [
              MlInstanceType.of('ml.m5.large'),
              MlInstanceType.of('ml.m5.xlarge'),
            ]
          ).map(String),
          SupportedTransformInstanceTypes: [processingType.toString()],
        },
        DriftCheckBaselines: {
          ModelDataQuality: {
            Statistics: {
              ContentType: 'application/json',
              S3Uri: sfn.JsonPath.format(
                `s3://${models}/${model}/runs/{}/baseline/statistics.json`,
                sfn.JsonPath.stringAt('$.run.id'),
              ),
            },
            Constraints: {
              ContentType: 'application/json',
              S3Uri: sfn.JsonPath.format(
                `s3://${models}/${model}/runs/{}/baseline/constraints.json`,
                sfn.JsonPath.stringAt('$.run.id'),
              ),
            },
          },
        },
        ModelMetrics: {
          ModelQuality: {
            Statistics: {
              ContentType: 'application/json',
              S3Uri: sfn.JsonPath.format(
                `s3://${models}/${model}/runs/{}/evaluation/evaluation.json`,
                sfn.JsonPath.stringAt('$.run.id'),
              ),
            },
          },
        },
        CustomerMetadataProperties: {
          datasetS3Uri: sfn.JsonPath.stringAt('$.datasetS3Uri'),
          datasetVersion: sfn.JsonPath.stringAt('$.datasetVersion'),
          trigger: sfn.JsonPath.stringAt('$.reason'),
          codeVersion: props.codeVersion ?? 'unknown',
          sourceArchive: code.s3Uri,
          executionArn: sfn.JsonPath.executionId,
          trainingJobName: sfn.JsonPath.stringAt('$.train.jobName'),
        },
      },
      resultSelector: { 'modelPackageArn.$': '$.ModelPackageArn' },
      resultPath: '$.registered',
    });
    registerModel.addRetry({
      errors: ['SageMaker.ThrottlingException', 'SageMaker.InternalFailure', 'SageMaker.SageMakerException'],
      maxAttempts: 3,
    });
    registerModel.addCatch(notifyFailure, catchAll);

    const problemType = props.problemType ?? ProblemType.BINARY_CLASSIFICATION;
    const gatePath = metricPath(problemType, props.qualityGate);
    const { metric, operator, threshold } = props.qualityGate;
    const notifySuccess = new tasks.SnsPublish(this, 'NotifySuccess', {
      topic: this.notificationTopic,
      subject: `Model ${model} registered`,
      message: sfn.TaskInput.fromObject({
        result: 'registered',
        model,
        modelPackageArn: sfn.JsonPath.stringAt('$.registered.modelPackageArn'),
        metric,
        value: sfn.JsonPath.numberAt(gatePath),
        execution: sfn.JsonPath.executionId,
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    notifySuccess.addCatch(notifyFailure, catchAll);

    // The metric must exist before it is tested as a number, and be a number before it is compared:
    // a type test on a missing path is a runtime error that no Catch sees. (Positive IsPresent tests
    // also keep aws-local-stepfunctions, which mishandles `IsPresent: false`, faithful.)
    const metricMissing = failWith('MetricMissing', {
      text: `evaluation.json has no numeric ${problemType}_metrics.${metric}.value`,
    });
    const qualityGate = new sfn.Choice(this, 'QualityGate')
      .when(
        passesGate(gatePath, props.qualityGate),
        registerModel.next(notifySuccess).next(new sfn.Succeed(this, 'Succeeded')),
      )
      .otherwise(
        failWith('QualityGateFailed', {
          intrinsic: `States.Format('${metric} {} does not pass the quality gate ${metric} ${operator} ${threshold}', ${gatePath})`,
        }),
      );
    const metricIsNumeric = new sfn.Choice(this, 'MetricIsNumeric')
      .when(sfn.Condition.isNumeric(gatePath), qualityGate)
      .otherwise(metricMissing);
    const hasMetric = new sfn.Choice(this, 'HasMetric')
      .when(sfn.Condition.isPresent(gatePath), metricIsNumeric)
      .otherwise(metricMissing);

    const rawPrefix = `s3://${dataStore.rawBucket.bucketName}/${model}/`;
    const checkLocation = new sfn.Choice(this, 'CheckDatasetLocation')
      .when(sfn.Condition.stringMatches('$.datasetS3Uri', `${rawPrefix}*`), prepareRun)
      .otherwise(invalidInput);
    const checkTypes = new sfn.Choice(this, 'CheckInputTypes')
      .when(
        sfn.Condition.and(
          ...['$.datasetS3Uri', '$.datasetVersion', '$.reason'].map((p) => sfn.Condition.isString(p)),
        ),
        checkLocation,
      )
      .otherwise(invalidInput);
    const validateInput = new sfn.Choice(this, 'ValidateInput')
      .when(
        sfn.Condition.and(
          ...['$.datasetS3Uri', '$.datasetVersion', '$.reason'].map((p) => sfn.Condition.isPresent(p)),
        ),
        checkTypes,
      )
      .otherwise(invalidInput);
    prepareRun.next(preprocess).next(train).next(evaluate).next(baseline).next(readMetrics).next(hasMetric);

    const timeout =
      maxRuntime.plus(PROVISIONING_MARGIN).toSeconds() * 2 +
      trainingWait.plus(PROVISIONING_MARGIN).toSeconds() +
      3600;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(validateInput),
      comment: `Trains, evaluates and registers model ${model}`,
      timeout: Duration.seconds(timeout),
      tracingEnabled: true,
      logs: props.logGroup && {
        destination: props.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    this.grantJobs(this.stateMachine.role, model);
    dataStore.grantReadModels(this.stateMachine, `${model}/runs/*/evaluation/evaluation.json`);
    registry.grantRegister(this.stateMachine, model);
    // The SnsPublish tasks grant sns:Publish; encrypting a message needs the topic's key too.
    this.notificationTopic.masterKey?.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');

    this.addTriggers(props, rawPrefix);
    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: `Training pipeline of ${model}`,
    });
  }

  /**
   * What a `.sync` SageMaker task needs beyond its own API actions: pass the job role, and manage
   * the EventBridge rule Step Functions uses to learn that a job ended.
   */
  private grantJobs(role: iam.IRole, model: string): void {
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) =>
      stack.formatArn({ service: 'sagemaker', resource, resourceName: name });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunProcessingJobs',
        actions: [
          'sagemaker:CreateProcessingJob',
          'sagemaker:DescribeProcessingJob',
          'sagemaker:StopProcessingJob',
        ],
        resources: [
          arn('processing-job', `${model}-preprocess-*`),
          arn('processing-job', `${model}-evaluate-*`),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunTrainingJobs',
        actions: [
          'sagemaker:CreateTrainingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:StopTrainingJob',
        ],
        resources: [arn('training-job', `${model}-train-*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassJobRole',
        actions: ['iam:PassRole'],
        resources: [this.jobRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TrackJobsWithEventBridge',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule',
          }),
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForSageMakerProcessingJobsRule',
          }),
        ],
      }),
    );
    // SageMaker creates grants on the key for job volumes and outputs it encrypts.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptJobVolumes',
        actions: ['kms:CreateGrant', 'kms:DescribeKey'],
        resources: [this.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
  }

  private addTriggers(props: TrainingPipelineProps, rawPrefix: string): void {
    const model = props.modelName;
    if (props.schedule) {
      new events.Rule(this, 'Schedule', {
        description: `Retrains ${model} on a schedule`,
        schedule: props.schedule,
        enabled: props.scheduleEnabled ?? true,
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            input: events.RuleTargetInput.fromObject({
              datasetS3Uri: rawPrefix,
              datasetVersion: 'latest',
              reason: 'schedule',
            }),
          }),
        ],
      });
    }
    if (props.startOnNewData ?? true) {
      new events.Rule(this, 'NewData', {
        description: `Trains ${model} when a new dataset version lands in the raw bucket`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: {
            bucket: { name: [props.dataStore.rawBucket.bucketName] },
            object: { key: [{ wildcard: `${model}/*.csv` }] },
          },
        },
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            input: events.RuleTargetInput.fromObject({
              datasetS3Uri: `s3://${events.EventField.fromPath('$.detail.bucket.name')}/${events.EventField.fromPath('$.detail.object.key')}`,
              datasetVersion: events.EventField.fromPath('$.detail.object.version-id'),
              reason: 'new-data',
            }),
          }),
        ],
      });
    }
  }
}

function validate(props: TrainingPipelineProps): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,17}$/.test(props.modelName)) {
    problems.push(
      `modelName '${props.modelName}' must be 1-18 lowercase letters, digits and -, starting with a letter (job names are at most 63 characters)`,
    );
  }
  problems.push(...gateProblems(props.qualityGate));
  const count = props.trainingInstanceCount ?? 1;
  if (!Number.isInteger(count) || count < 1)
    problems.push('trainingInstanceCount must be a whole number >= 1');
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
  if (problems.length > 0) throw new Error(`Invalid TrainingPipeline props:\n  - ${problems.join('\n  - ')}`);
}
