import { CfnOutput, Duration, Size, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { MODEL_FILES_SHA256_ENV, SHA256_HEX } from '../common/artifact-integrity';
import { BATCH_JOB_STEP, LATEST_BATCH, ModelLayout } from '../common/model-layout';
import { readJsonObject } from '../common/private/read-json-object';
import { grantSageMakerRuntime, grantVolumeEncryption } from '../common/private/sagemaker-runtime-grants';
import { jsonataIsRunString, RUN_STRING_RULES } from '../common/run-strings';
import { eventRuleRole, sageMakerInferencePrincipal } from '../common/service-principals';
import { grantNetworkInterfaces } from '../network/grant-network-interfaces';
import { type MlNetworkPlacement, vpcConfigOf } from '../network/ml-network';
import type { IMlDataStore } from '../storage/ml-data-store';
import type { FrameworkImage } from '../training/framework-image';
import type { MlInstanceType } from '../training/ml-instance-type';

/**
 * The managed EventBridge rule through which Step Functions learns that a transform job of a
 * `.sync` task ended (Step Functions, "IAM policies for Amazon SageMaker AI").
 */
export const TRANSFORM_JOB_RULE = 'StepFunctionsGetEventsForSageMakerTransformJobsRule';

/** The log group SageMaker writes transform jobs' container logs to. */
export const TRANSFORM_JOB_LOG_GROUP = '/aws/sagemaker/TransformJobs';

/** The input of a batch transform's state machine. */
export interface BatchTransformInput {
  /**
   * The batch to score: a batch id (a run-time string of the grammar's `name` kind), whose files
   * are under `<model>/batches/<batchId>/input/` in the raw bucket, or `'latest'` for the batch
   * `<model>/batches/latest.json` names.
   */
  readonly batchId: string;
  /** Why it runs (`schedule`, `new-batch`, `manual`): for people reading the history; no name or key is made of it. */
  readonly reason?: string;
}

/** Properties of a `BatchTransform`. */
export interface BatchTransformProps {
  /** The model's name in the data store: it reads `raw/<modelName>/batches/` and writes `curated/<modelName>/batches/`. */
  readonly modelName: string;
  /** The model package (registry version) that scores the batches. */
  readonly modelPackageArn: string;
  /**
   * The package's `artifactFilesSha256`: the model gives it to the serving code
   * (`MLENV_MODEL_FILES_SHA256`), which refuses to load files with another digest.
   */
  readonly artifactFilesSha256: string;
  /** Where the batches and predictions live; its key encrypts the predictions and the job's volumes. */
  readonly dataStore: IMlDataStore;
  /** The instance type the transform job runs on. */
  readonly instanceType: MlInstanceType;
  /** Instances the transform job runs on (each scores a share of the files). @default 1 */
  readonly instanceCount?: number;
  /** Requests each instance scores at once (1-100). @default 1 */
  readonly maxConcurrentTransforms?: number;
  /** Largest mini-batch of records in one request (1-100 MB, SageMaker's limit). @default Size.mebibytes(6) */
  readonly maxPayload?: Size;
  /**
   * Longest one transform may run: its task times out then and the job is stopped
   * (CreateTransformJob has no stopping condition of its own). @default Duration.hours(1)
   */
  readonly maxRuntime?: Duration;
  /** Scores the newest batch (`'latest'`) on this schedule. @default - no schedule */
  readonly schedule?: events.Schedule;
  /**
   * Scores a new batch when `<model>/batches/latest.json` is written (the raw bucket must send
   * its events to EventBridge, as `MlDataStore`'s does). @default true
   */
  readonly startOnNewBatch?: boolean;
  /** The image the package uses, so the role may pull it. @default - no ECR permissions (SageMaker's own images need none) */
  readonly image?: FrameworkImage;
  /** Run the model in these VPC subnets and security groups. @default - SageMaker's own network (still isolated) */
  readonly network?: MlNetworkPlacement;
  /** Where the state machine logs its executions. @default - no execution logs */
  readonly logGroup?: logs.ILogGroup;
  /**
   * The name of the SageMaker model. @default - a name CloudFormation generates
   */
  readonly sageMakerModelName?: string;
}

const NAME = /^[a-z][a-z0-9-]{0,17}$/;
const MAX_PAYLOAD_MB = 100;

/**
 * A batch transform of a model package: a network-isolated SageMaker model of the package, and a
 * state machine that runs one transform job of it (`createTransformJob.sync`) over a batch of
 * CSV files under `raw/<model>/batches/<batch>/input/`, line by line in mini-batches, into
 * `curated/<model>/batches/<batch>/predictions/` (each output line is the input record joined
 * with its prediction, `DataProcessing.JoinSource: Input`), encrypted with the data key, on
 * volumes encrypted with it. The execution input (`BatchTransformInput`) is checked before
 * anything runs: a batch id out of the grammar of run-time strings fails the execution, so no
 * input reads or writes outside the model's own batch prefixes. A schedule scores the newest
 * batch again; a new batch (its `latest.json` written) is scored when it arrives.
 *
 * @example
 * const batch = new BatchTransform(this, 'Diabetes', {
 *   modelName: 'diabetes',
 *   modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-diabetes/3',
 *   artifactFilesSha256: '<the pin's artifactFilesSha256>',
 *   dataStore,
 *   instanceType: MlInstanceType.of('ml.m5.xlarge'),
 *   schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
 * });
 */
export class BatchTransform extends Construct {
  /** The role the model runs as (transform jobs use the model's role). */
  public readonly role: iam.Role;
  /** The SageMaker model's name. */
  public readonly modelName: string;
  /** Runs one transform job (`BatchTransformInput`). */
  public readonly stateMachine: sfn.StateMachine;
  /** The layout of the model's batches. */
  public readonly layout: ModelLayout;

  constructor(scope: Construct, id: string, props: BatchTransformProps) {
    super(scope, id);
    validate(this.node.path, props);
    const stack = Stack.of(this);
    const { dataStore } = props;
    const layout = (this.layout = new ModelLayout(props.modelName));
    const rawBucket = dataStore.rawBucket.bucketName;
    const curatedBucket = dataStore.curatedBucket.bucketName;
    const keyArn = dataStore.encryptionKey.keyArn;
    const maxRuntime = props.maxRuntime ?? Duration.hours(1);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: sageMakerInferencePrincipal(this),
      description: `Runs the ${props.modelName} model of batch transform ${this.node.path}`,
    });
    // A transform job may be the source SageMaker names when it assumes the role for the job:
    // its jobs only (the literal inference source above covers the model itself).
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': this.jobArn(`${layout.jobNamePrefix(BATCH_JOB_STEP)}*`) },
        },
      }),
    );
    dataStore.grantReadModels(this.role, layout.allObjects);
    // Its own batches only: reads their input, writes their predictions.
    dataStore.grantReadRaw(this.role, `${layout.batchInputDir('*')}/*`);
    dataStore.grantReadWriteCurated(this.role, `${layout.batchPredictionsDir('*')}/*`);
    grantSageMakerRuntime(this.role, {
      logGroups: [TRANSFORM_JOB_LOG_GROUP],
      metricNamespaces: ['/aws/sagemaker/*'],
      images: props.image ? [props.image.bind(this)] : [],
    });
    if (props.network) grantNetworkInterfaces(this.role);

    const model = new sagemaker.CfnModel(this, 'Model', {
      modelName: props.sageMakerModelName,
      executionRoleArn: this.role.roleArn,
      containers: [
        {
          modelPackageName: props.modelPackageArn,
          environment: { [MODEL_FILES_SHA256_ENV]: props.artifactFilesSha256 },
        },
      ],
      enableNetworkIsolation: true,
      vpcConfig: props.network && vpcConfigOf(props.network),
    });
    // The role's policy must exist before SageMaker checks what the model may read.
    model.node.addDependency(this.role);
    this.modelName = model.attrModelName;

    const invalid = (stateId: string, cause: string) =>
      new sfn.Fail(this, stateId, { error: 'InvalidInput', cause });
    const rule = RUN_STRING_RULES.name.rule;
    const isName = jsonataIsRunString('name', '$states.input.batchId');

    const prepareJob = new sfn.Pass(this, 'PrepareJob', {
      parameters: { 'id.$': "States.Hash($$.Execution.Name, 'MD5')" },
      resultPath: '$.job',
    });
    const transform = new sfn.CustomState(this, 'Transform', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTransformJob.sync`,
        Parameters: {
          'TransformJobName.$': `States.Format('${layout.jobName(BATCH_JOB_STEP, '{}')}', $.job.id)`,
          ModelName: this.modelName,
          BatchStrategy: 'MultiRecord',
          MaxConcurrentTransforms: props.maxConcurrentTransforms ?? 1,
          MaxPayloadInMB: (props.maxPayload ?? Size.mebibytes(6)).toMebibytes(),
          TransformInput: {
            DataSource: {
              S3DataSource: {
                S3DataType: 'S3Prefix',
                'S3Uri.$': `States.Format('s3://${rawBucket}/${layout.batchInputDir('{}')}/', $.batchId)`,
              },
            },
            ContentType: 'text/csv',
            SplitType: 'Line',
            CompressionType: 'None',
          },
          TransformOutput: {
            'S3OutputPath.$': `States.Format('s3://${curatedBucket}/${layout.batchPredictionsDir('{}')}/', $.batchId)`,
            Accept: 'text/csv',
            AssembleWith: 'Line',
            KmsKeyId: keyArn,
          },
          TransformResources: {
            InstanceType: props.instanceType.toString(),
            InstanceCount: props.instanceCount ?? 1,
            VolumeKmsKeyId: keyArn,
          },
          // Each output line: the input record, then its prediction.
          DataProcessing: { JoinSource: 'Input' },
        },
        ResultSelector: {
          'jobName.$': '$.TransformJobName',
          'jobArn.$': '$.TransformJobArn',
          'predictions.$': '$.TransformOutput.S3OutputPath',
        },
        ResultPath: '$.transform',
        TimeoutSeconds: maxRuntime.toSeconds(),
      },
    });
    // CreateTransformJob has no stopping condition: a transform that runs too long is stopped here.
    const stopJob = new tasks.CallAwsService(this, 'StopTransformJob', {
      service: 'sagemaker',
      action: 'stopTransformJob',
      parameters: {
        'TransformJobName.$': `States.Format('${layout.jobName(BATCH_JOB_STEP, '{}')}', $.job.id)`,
      },
      iamResources: [this.jobArn(`${layout.jobNamePrefix(BATCH_JOB_STEP)}*`)],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const timedOut = new sfn.Fail(this, 'TimedOut', {
      error: 'States.Timeout',
      cause: `the transform ran longer than ${maxRuntime.toMinutes()} minutes and was stopped`,
    });
    stopJob.addCatch(timedOut, { resultPath: sfn.JsonPath.DISCARD });
    stopJob.next(timedOut);
    transform.addCatch(stopJob, { errors: ['States.Timeout'], resultPath: '$.error' });
    const done = new sfn.Pass(this, 'Scored', {
      parameters: {
        'batchId.$': '$.batchId',
        'jobName.$': '$.transform.jobName',
        'predictions.$': '$.transform.predictions',
      },
    });
    prepareJob.next(transform);
    transform.next(done);

    const refused = (condition: string) => sfn.Condition.jsonata(`{% $not(${condition}) %}`);
    const checkLatest = sfn.Choice.jsonata(this, 'CheckLatestBatch', {
      comment: `Refuses a ${layout.latestBatchKey} whose batch id is out of the grammar of run-time strings`,
    })
      .when(
        refused(`$states.input.batchId != '${LATEST_BATCH}' and ${isName}`),
        invalid('InvalidLatestBatch', `the batchId that ${layout.latestBatchKey} names must be ${rule}`),
      )
      .otherwise(prepareJob);
    const readLatest = readJsonObject(this, 'ReadLatestBatch', {
      bucket: rawBucket,
      key: layout.latestBatchKey,
      iamResource: dataStore.rawBucket.arnForObjects(layout.latestBatchKey),
      field: 'pointer',
      resultPath: '$.latestBatch',
    });
    readLatest.addCatch(
      new sfn.Fail(this, 'NoBatch', {
        error: 'NoBatch',
        cause: `no batch pushed yet: mlenv batch run <env> --model ${props.modelName} --input <dir> (s3://${rawBucket}/${layout.latestBatchKey} does not exist)`,
      }),
      { errors: ['S3.NoSuchKeyException'], resultPath: '$.error' },
    );
    readLatest.addCatch(
      new sfn.Fail(this, 'ReadLatestBatchFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }),
      { resultPath: '$.error' },
    );
    readLatest
      .next(
        new sfn.Pass(this, 'UseLatestBatch', {
          parameters: { 'batchId.$': '$.latestBatch.pointer.batchId' },
        }),
      )
      .next(checkLatest);
    const whichBatch = new sfn.Choice(this, 'WhichBatch')
      .when(sfn.Condition.stringEquals('$.batchId', LATEST_BATCH), readLatest)
      .otherwise(prepareJob);
    const checkInput = sfn.Choice.jsonata(this, 'CheckInput', {
      comment:
        'Refuses an input whose batchId is out of the grammar of run-time strings, before anything runs',
    })
      .when(
        refused(`$states.input.batchId = '${LATEST_BATCH}' or ${isName}`),
        invalid('InvalidBatchId', `batchId must be '${LATEST_BATCH}' or ${rule}`),
      )
      .otherwise(whichBatch);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(checkInput),
      comment: `Scores a batch with model ${props.modelName}`,
      // The transform's own limit, and an hour for the rest.
      timeout: maxRuntime.plus(Duration.hours(1)),
      tracingEnabled: true,
      logs: props.logGroup && {
        destination: props.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    const machineRole = this.stateMachine.role;
    machineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunTransformJobs',
        actions: [
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
          'sagemaker:StopTransformJob',
        ],
        resources: [this.jobArn(`${layout.jobNamePrefix(BATCH_JOB_STEP)}*`)],
      }),
    );
    machineRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TrackJobsWithEventBridge',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({ service: 'events', resource: 'rule', resourceName: TRANSFORM_JOB_RULE }),
        ],
      }),
    );
    // A transform job runs as its model's role (no RoleArn, so nothing to pass); the caller lets
    // SageMaker create grants on the key for the job's volumes and output.
    grantVolumeEncryption(machineRole, keyArn);
    // latest.json, and listing the raw bucket: without it, S3 answers a missing key AccessDenied.
    dataStore.grantReadRaw(this.stateMachine, layout.latestBatchKey);

    const triggerRole =
      props.schedule || (props.startOnNewBatch ?? true) ? eventRuleRole(this, 'TriggerRole') : undefined;
    const latestInput = (reason: string) =>
      events.RuleTargetInput.fromObject({ batchId: LATEST_BATCH, reason } satisfies BatchTransformInput);
    if (props.schedule) {
      new events.Rule(this, 'Schedule', {
        description: `Scores the newest batch of ${props.modelName} on a schedule`,
        schedule: props.schedule,
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            role: triggerRole,
            input: latestInput('schedule'),
          }),
        ],
      });
    }
    if (props.startOnNewBatch ?? true) {
      new events.Rule(this, 'NewBatch', {
        description: `Scores a new batch of ${props.modelName} when it lands in the raw bucket`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [rawBucket] }, object: { key: [layout.latestBatchKey] } },
        },
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            role: triggerRole,
            input: latestInput('new-batch'),
          }),
        ],
      });
    }
    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: `Batch transform of ${props.modelName}`,
    });
  }

  /** The ARN of transform jobs named `name` (a pattern may end with `*`). */
  private jobArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: name });
  }
}

function validate(path: string, props: BatchTransformProps): void {
  const problems: string[] = [];
  if (!NAME.test(props.modelName))
    problems.push(`modelName '${props.modelName}' must be 1-18 lowercase letters, digits and -`);
  if (
    !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-z0-9-]+\/\d+$/.test(props.modelPackageArn)
  ) {
    problems.push(`modelPackageArn '${props.modelPackageArn}' is not a versioned model package ARN`);
  }
  if (!SHA256_HEX.test(props.artifactFilesSha256)) {
    problems.push(
      `artifactFilesSha256 '${props.artifactFilesSha256}' is not a SHA-256 (64 lowercase hex digits)`,
    );
  }
  const count = props.instanceCount ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 100)
    problems.push('instanceCount must be a whole number 1-100');
  const concurrent = props.maxConcurrentTransforms ?? 1;
  if (!Number.isInteger(concurrent) || concurrent < 1 || concurrent > 100)
    problems.push('maxConcurrentTransforms must be a whole number 1-100');
  if (props.maxPayload) {
    const mb = props.maxPayload.toKibibytes() / 1024;
    if (!Number.isInteger(mb) || mb < 1 || mb > MAX_PAYLOAD_MB)
      problems.push(`maxPayload must be 1-${MAX_PAYLOAD_MB} MB in whole MB`);
  }
  // CreateTransformJob: MaxConcurrentTransforms × MaxPayloadInMB cannot exceed 100 MB.
  const payloadMb = (props.maxPayload ?? Size.mebibytes(6)).toKibibytes() / 1024;
  if (concurrent * payloadMb > MAX_PAYLOAD_MB)
    problems.push(
      `maxConcurrentTransforms × maxPayload (${concurrent} × ${payloadMb} MB) must be at most ${MAX_PAYLOAD_MB} MB (SageMaker's limit)`,
    );
  if (props.maxRuntime) {
    const seconds = props.maxRuntime.toSeconds();
    if (seconds < 60 || seconds > 2 * 24 * 3600)
      problems.push('maxRuntime must be between 1 minute and 2 days');
  }
  if (problems.length > 0) {
    throw new Error(`Invalid BatchTransform props at ${path}:\n  - ${problems.join('\n  - ')}`);
  }
}
