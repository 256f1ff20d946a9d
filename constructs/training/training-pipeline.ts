import { CfnOutput, Duration, Resource, Size } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { DatasetLayout } from '../common/dataset-layout';
import { ModelLayout } from '../common/model-layout';
import { datasetVersionStates, noDatasetVersionMessage } from '../common/private/dataset-version-states';
import { readJsonObject } from '../common/private/read-json-object';
import { grantNetworkInterfaces } from '../network/grant-network-interfaces';
import { FrameworkImage } from './framework-image';
import { MlInstanceType } from './ml-instance-type';
import { championGateStates } from './champion-gate';
import { metricPath, passesGate, ProblemType } from './quality-gate';
import { addPipelineTriggers } from './private/pipeline-triggers';
import { grantPipelineJobs } from './private/pipeline-permissions';
import {
  modelStep,
  type PipelineStep,
  pipelineSteps,
  type StepLocation,
  trainedArtifactKey,
  trainedArtifactKeyPattern,
} from './pipeline-steps';
import { registerModelTask } from './private/register-model';
import { EVALUATION_ARTIFACT_FIELD } from '../common/artifact-integrity';
import { RECORDED_RUN_PATH, RunRecording } from './run-recording';
import {
  type DynamicS3Uri,
  type JobDefaults,
  processingJobState,
  trainingJobState,
} from './private/sagemaker-job-states';
import { tuningJobState, tuningTimeout } from './private/tuning-job-state';
import { tuningIdLength } from './tuning';
import { TrainingJobRole } from './training-job-role';
import { TrainingDistribution, trainShards } from './training-distribution';
import {
  type ITrainingPipeline,
  ModelApprovalStatus,
  type TrainingPipelineProps,
  validateTrainingPipelineProps,
} from './training-pipeline-props';

export * from './training-pipeline-props';
export { type ChampionComparison, CHAMPION_PATH, IMPROVEMENT_DECIMALS } from './champion-gate';

/** A training pipeline of another stack or app. */
export interface TrainingPipelineAttributes {
  readonly modelName: string;
  readonly stateMachineArn: string;
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

/** The fields of the execution input; all three are required strings. */
const INPUT_FIELDS = ['$.datasetS3Uri', '$.datasetVersion', '$.reason'];

/**
 * A Step Functions state machine that turns a dataset into an evaluated, registered model: the
 * jobs of `PIPELINE_STEPS` (Preprocess -> Train -> Evaluate -> Baseline; with `tuning`, Tune
 * instead of Train: see `pipelineSteps`) -> ReadMetrics ->
 * QualityGate (-> CompareWithChampion, with `qualityGate.vsChampion`: see `championGateStates`) ->
 * RegisterModel (with metrics, drift baselines and lineage) -> NotifySuccess, with every failure
 * caught, notified and ended as failed.
 *
 * An execution takes `{"datasetS3Uri": "s3://<raw bucket>/<model>/...", "datasetVersion": "...",
 * "reason": "..."}`, three strings: a version of the model's dataset and its folder
 * (`s3://<raw bucket>/<model>/versions/<version>/`, as `mlenv data push` writes it), or
 * `"datasetVersion": "latest"`, which trains on the newest pushed version: the pipeline reads
 * `<model>/latest.json` from the raw bucket and replaces `datasetS3Uri` and `datasetVersion` with
 * the ones it names (the triggers send the dataset's prefix, `s3://<raw bucket>/<model>/`, as
 * `datasetS3Uri`); with no version pushed yet, the execution fails as `NoDatasetVersion`. A
 * resolved input keeps those three fields only (the execution's own input stays in its history).
 * Before anything runs, the version, the reason and the dataset's location, as given and as
 * `latest.json` names them, must be of the grammar of run-time strings (`run-string-grammar.json`),
 * or the execution fails as `InvalidInput`, naming the field and the rule.
 * Job names are `<model>-<step>-<md5 of the execution name>` (a tuning job's, at most 32
 * characters, `<model>-tune-<its first characters>`); where each run's data goes is
 * `ModelLayout`'s, where datasets are `DatasetLayout`'s.
 */
export class TrainingPipeline extends Resource implements ITrainingPipeline {
  /** A pipeline of another stack or app, to alarm on, chart, or start on drift. */
  public static fromTrainingPipelineAttributes(
    scope: Construct,
    id: string,
    attrs: TrainingPipelineAttributes,
  ): ITrainingPipeline {
    class Imported extends Resource implements ITrainingPipeline {
      public readonly modelName = attrs.modelName;
      public readonly stateMachine = sfn.StateMachine.fromStateMachineArn(
        this,
        'StateMachine',
        attrs.stateMachineArn,
      );
    }
    return new Imported(scope, id);
  }

  public readonly stateMachine: sfn.StateMachine;
  /** The role every SageMaker job of the pipeline runs as. */
  public readonly jobRole: iam.IRole;
  public readonly notificationTopic: sns.ITopic;
  /** The model this pipeline trains. */
  public readonly modelName: string;
  /** Where the model's runs keep their data, and how its jobs are named. */
  public readonly layout: ModelLayout;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    validateTrainingPipelineProps(this.node.path, props);
    const model = props.modelName;
    this.modelName = model;
    const layout = new ModelLayout(model);
    this.layout = layout;
    const { dataStore, registry } = props;
    const entry = {
      preprocess: 'preprocess.py',
      train: 'train.py',
      evaluate: 'evaluate.py',
      inference: 'inference.py',
      ...props.entryPoints,
    };
    const image = props.image.bind(this);
    const inferenceImage = props.inferenceImage ? props.inferenceImage.bind(this) : image;
    const monitorImage = (props.monitorImage ?? FrameworkImage.modelMonitor()).bind(this);
    const code = props.sourceCode.bind(this, 'SourceCode');
    const missing = Object.values(entry).filter((f) => !code.files.includes(f));
    if (missing.length > 0) {
      throw new Error(
        `TrainingPipeline ${this.node.path}: entry points not in the source code: ${missing.join(', ')}`,
      );
    }

    const steps = pipelineSteps(props.tuning !== undefined);
    this.jobRole = new TrainingJobRole(this, 'JobRole', {
      layout,
      steps,
      dataStore,
      code,
      images: [image, monitorImage],
    }).role;
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
    const distribution = props.distribution ?? TrainingDistribution.NONE;
    const instanceCount = props.trainingInstanceCount ?? 1;
    // Sharded input needs at least a train file per instance: the preprocess script writes them.
    const shards = trainShards(distribution, instanceCount);
    const buckets = {
      curated: dataStore.curatedBucket.bucketName,
      models: dataStore.modelsBucket.bucketName,
    };
    /** An S3 URI of the run, filled in at run time. */
    const runUri = (bucket: string, key: string) => formatWithRunId(`s3://${bucket}/${key}`);
    /**
     * A job's task times out an hour after its job's own limit (time to get instances); a tuning
     * job's, after that of each wave of parallel trials.
     */
    const taskTimeout = (step: PipelineStep) => {
      if (step.job === 'processing') return maxRuntime.plus(PROVISIONING_MARGIN);
      const trial = trainingWait.plus(PROVISIONING_MARGIN);
      return step.job === 'tuning' && props.tuning ? tuningTimeout(trial, props.tuning) : trial;
    };
    const trainStep = modelStep(props.tuning !== undefined);
    const s3Uri = (location: StepLocation): DynamicS3Uri => {
      if ('bucket' in location) return { path: runUri(buckets[location.bucket], location.key(layout, '{}')) };
      if (location.from === 'dataset') return { path: '$.datasetS3Uri' };
      return { path: `${trainStep.resultPath}.modelArtifacts` };
    };

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

    const invalidInput = failWith('InvalidInput', {
      text:
        `The input must have the strings datasetS3Uri (under s3://<raw bucket>/${layout.datasetPrefix}` +
        (props.acceptFeatures ? ` or s3://<curated bucket>/${layout.featuresPrefix}` : '') +
        '), ' +
        `datasetVersion (a version, or '${DatasetLayout.LATEST}' for the newest pushed one) and reason`,
    });
    const prepareRun = new sfn.Pass(this, 'PrepareRun', {
      parameters: { 'id.$': "States.Hash($$.Execution.Name, 'MD5')" },
      resultPath: '$.run',
    });

    // A tuning job's name is at most 32 characters: it keeps the run id's first characters, which
    // only JSONata can cut ($substring; JSONPath's intrinsics cannot).
    const nameTuningJob = props.tuning
      ? sfn.Pass.jsonata(this, 'NameTuningJob', {
          outputs: `{% $merge([$states.input, {'run': $merge([$states.input.run, {'tuneId': $substring($states.input.run.id, 0, ${tuningIdLength(layout)})}])}]) %}`,
        })
      : undefined;

    // The jobs, one state per step of `steps`.
    const jobState = (step: PipelineStep): sfn.CustomState => {
      const common = {
        jobName: formatWithRunId(layout.jobName(step.jobStep, '{}')),
        timeout: taskTimeout(step),
        resultPath: step.resultPath,
      };
      if (step.job === 'training' || step.job === 'tuning') {
        const training = {
          ...common,
          script: entry.train,
          hyperparameters: {
            ...Object.fromEntries(
              Object.entries(props.hyperparameters ?? {}).map(([k, v]) => [k, String(v)]),
            ),
            'target-column': targetColumn,
          },
          metricDefinitions: props.metricDefinitions ?? [],
          instanceType: props.trainingInstanceType ?? MlInstanceType.of('ml.m5.large'),
          instanceCount,
          distribution,
          channels: step.inputs.map((input) => ({ name: input.name, s3Uri: s3Uri(input.location) })),
          outputPath: s3Uri(step.outputs[0].location),
          spot: props.spot && {
            maxWaitSeconds: props.spot.maxWait.toSeconds(),
            ...((props.spot.checkpoints ?? true)
              ? { checkpointS3Uri: { path: runUri(buckets.models, `${layout.checkpointDir('{}')}/`) } }
              : {}),
          },
        };
        return step.job === 'tuning' && props.tuning
          ? tuningJobState(this, step.state, job, {
              ...training,
              tuning: props.tuning,
              tuningJobName: `States.Format('${layout.jobNamePrefix(step.jobStep)}{}', $.run.tuneId)`,
            })
          : trainingJobState(this, step.state, job, training);
      }
      const channels = (list: PipelineStep['inputs']) =>
        list.map((c) => ({ name: c.name, s3Uri: s3Uri(c.location), localPath: c.localPath ?? '' }));
      return processingJobState(this, step.state, job, {
        ...common,
        ...(step.image === 'monitor'
          ? { imageUri: monitorImage.imageUri, environment: baselineEnvironment(step) }
          : {
              script: {
                name: step.state === 'Preprocess' ? entry.preprocess : entry.evaluate,
                arguments: [
                  '--target-column',
                  targetColumn,
                  ...(step.state === 'Preprocess' && shards > 1 ? ['--train-shards', String(shards)] : []),
                ],
              },
            }),
        instanceType: processingType,
        inputs: channels(step.inputs),
        outputs: channels(step.outputs),
      });
    };
    const jobStates = steps.map((step) => {
      const state = jobState(step);
      state.addRetry({
        errors: SAGEMAKER_RETRYABLE_ERRORS,
        interval: Duration.seconds(30),
        backoffRate: 2,
        maxAttempts: 4,
        jitterStrategy: sfn.JitterType.FULL,
      });
      state.addCatch(notifyFailure, catchAll);
      return state;
    });

    const readMetrics = readJsonObject(this, 'ReadMetrics', {
      bucket: buckets.models,
      key: sfn.JsonPath.format(layout.evaluationKey('{}'), sfn.JsonPath.stringAt('$.run.id')),
      iamResource: dataStore.modelsBucket.arnForObjects(layout.evaluationKey('*')),
      field: 'metrics',
      resultPath: '$.evaluation',
    });
    readMetrics.addCatch(notifyFailure, catchAll);

    // The artifact's version, to register exactly the bytes that were evaluated. HEAD asks
    // s3:GetObject (and no use of the key).
    const artifactKey = trainedArtifactKey(layout, '{}', '{}');
    const readArtifactVersion = new tasks.CallAwsService(this, 'ReadArtifactVersion', {
      service: 's3',
      action: 'headObject',
      iamAction: 's3:GetObject',
      parameters: {
        Bucket: buckets.models,
        Key: sfn.JsonPath.format(
          artifactKey,
          sfn.JsonPath.stringAt('$.run.id'),
          sfn.JsonPath.stringAt(`${trainStep.resultPath}.jobName`),
        ),
      },
      iamResources: [
        dataStore.modelsBucket.arnForObjects(trainedArtifactKeyPattern(layout, props.tuning !== undefined)),
      ],
      resultSelector: { 'versionId.$': '$.VersionId' },
      resultPath: '$.artifact',
      taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
    });
    readArtifactVersion.addRetry({
      errors: ['S3.SdkClientException', 'S3.InternalErrorException', 'States.Timeout'],
      maxAttempts: 3,
    });
    readArtifactVersion.addCatch(notifyFailure, catchAll);

    const recording = props.runRecorder
      ? new RunRecording(this, {
          recorder: props.runRecorder,
          layout,
          modelsBucket: buckets.models,
          hyperparameters: props.hyperparameters ?? {},
          codeVersion: props.codeVersion ?? 'unknown',
          tuned: props.tuning !== undefined,
        })
      : undefined;
    const evaluated = `$.evaluation.metrics.${EVALUATION_ARTIFACT_FIELD}`;
    const registerModel = registerModelTask(this, {
      runIdPath: recording ? RECORDED_RUN_PATH : undefined,
      artifactPaths: {
        sha256: `${evaluated}.sha256`,
        filesSha256: `${evaluated}.files_sha256`,
        versionId: '$.artifact.versionId',
      },
      layout,
      group: registry.modelPackageGroup(model),
      modelsBucket: buckets.models,
      image: inferenceImage,
      inferenceScript: entry.inference,
      approvalStatus: props.approvalStatus ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
      inferenceInstanceTypes: props.inferenceInstanceTypes ?? [
        MlInstanceType.of('ml.m5.large'),
        MlInstanceType.of('ml.m5.xlarge'),
      ],
      transformInstanceType: props.transformInstanceType ?? processingType,
      codeVersion: props.codeVersion ?? 'unknown',
      code,
      tunedHyperparameters: props.tuning ? Object.keys(props.tuning.ranges) : undefined,
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
    notifySuccess.next(new sfn.Succeed(this, 'Succeeded'));

    // The metric must exist before it is tested as a number, and be a number before it is compared:
    // a type test on a missing path is a runtime error that no Catch sees. (Positive IsPresent tests
    // also keep aws-local-stepfunctions, which mishandles `IsPresent: false`, faithful.)
    const metricMissing = failWith('MetricMissing', {
      text: `evaluation.json has no numeric ${problemType}_metrics.${metric}.value`,
    });
    // A package is registered only with what pins its bytes (a missing path would fail the
    // execution at run time, past every Catch).
    const artifactRecorded = new sfn.Choice(this, 'ArtifactRecorded')
      .when(
        sfn.Condition.and(
          ...[`${evaluated}.sha256`, `${evaluated}.files_sha256`, '$.artifact.versionId'].map((path) =>
            sfn.Condition.isPresent(path),
          ),
        ),
        registerModel.next(recording ? recording.link(notifySuccess) : notifySuccess),
      )
      .otherwise(
        failWith('ArtifactNotRecorded', {
          text: `evaluation.json has no ${EVALUATION_ARTIFACT_FIELD}.sha256 and .files_sha256 (the SHA-256 of the model.tar.gz it evaluated, and of its files): the package could not pin its bytes`,
        }),
      );
    // With a champion rule, a model that passes the gate must also beat the champion.
    const { vsChampion } = props.qualityGate;
    const passed = vsChampion
      ? championGateStates(this, {
          layout,
          group: registry.modelPackageGroup(model),
          modelsBucket: dataStore.modelsBucket,
          problemType,
          rule: vsChampion,
          evaluationPath: '$.evaluation.metrics',
          next: artifactRecorded,
          failure: notifyFailure,
        })
      : artifactRecorded;
    const qualityGate = new sfn.Choice(this, 'QualityGate')
      .when(passesGate(gatePath, props.qualityGate), passed)
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

    const rawBucket = dataStore.rawBucket.bucketName;
    const rawPrefix = `s3://${rawBucket}/${layout.datasetPrefix}`;
    const checkLocation = new sfn.Choice(this, 'CheckDatasetLocation').when(
      sfn.Condition.stringMatches('$.datasetS3Uri', `${rawPrefix}*`),
      prepareRun,
    );
    if (props.acceptFeatures) {
      const features = `s3://${dataStore.curatedBucket.bucketName}/${layout.featuresPrefix}`;
      checkLocation.when(sfn.Condition.stringMatches('$.datasetS3Uri', `${features}*`), prepareRun);
    }
    checkLocation.otherwise(invalidInput);

    // `datasetVersion: "latest"`: the version `latest.json` names, checked like any other.
    const whichVersion = datasetVersionStates(this, {
      dataStore,
      layout,
      next: checkLocation,
      noDatasetVersion: failWith('NoDatasetVersion', { text: noDatasetVersionMessage(rawBucket, layout) }),
      failure: notifyFailure,
      refuse: (stateId, cause) =>
        new sfn.Pass(this, stateId, {
          parameters: { Error: 'InvalidInput', Cause: cause },
          resultPath: '$.error',
        }).next(notifyFailure),
    });

    const checkTypes = new sfn.Choice(this, 'CheckInputTypes')
      .when(sfn.Condition.and(...INPUT_FIELDS.map((p) => sfn.Condition.isString(p))), whichVersion)
      .otherwise(invalidInput);
    const validateInput = new sfn.Choice(this, 'ValidateInput')
      .when(sfn.Condition.and(...INPUT_FIELDS.map((p) => sfn.Condition.isPresent(p))), checkTypes)
      .otherwise(invalidInput);
    jobStates
      .reduce(
        (chain, state) => chain.next(state),
        nameTuningJob ? sfn.Chain.start(prepareRun).next(nameTuningJob) : sfn.Chain.start(prepareRun),
      )
      .next(readMetrics)
      .next(readArtifactVersion)
      .next(recording ? recording.record : hasMetric);
    recording?.then(hasMetric);

    // Every job may take its task's whole timeout; an hour more for everything else.
    const timeout = steps.reduce((sum, step) => sum + taskTimeout(step).toSeconds(), 3600);
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
    grantPipelineJobs(this.stateMachine.role, {
      layout,
      steps,
      jobRole: this.jobRole,
      keyArn: dataStore.encryptionKey.keyArn,
    });
    dataStore.grantReadModels(this.stateMachine, layout.evaluationKey('*'));
    // latest.json, and listing the raw bucket: without it, S3 answers a missing key AccessDenied.
    dataStore.grantReadRaw(this.stateMachine, layout.latestDatasetKey);
    registry.grantRegister(this.stateMachine, model);
    // The SnsPublish tasks grant sns:Publish; encrypting a message needs the topic's key too.
    this.notificationTopic.masterKey?.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');

    addPipelineTriggers(this, {
      stateMachine: this.stateMachine,
      layout,
      dataStore,
      schedule: props.schedule,
      scheduleEnabled: props.scheduleEnabled ?? true,
      startOnNewData: props.startOnNewData ?? true,
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: `Training pipeline of ${model}`,
    });
  }
}

/** `template` with its `{}` filled in with the run id at run time (a JSONPath intrinsic). */
function formatWithRunId(template: string): string {
  return `States.Format('${template}', $.run.id)`;
}

/** How Model Monitor's analyzer finds the baseline dataset and where it writes the baseline. */
function baselineEnvironment(step: PipelineStep): Record<string, string> {
  return {
    dataset_format: JSON.stringify({ csv: { header: true, output_columns_position: 'START' } }),
    dataset_source: step.inputs[0].localPath ?? '',
    output_path: step.outputs[0].localPath ?? '',
    publish_cloudwatch_metrics: 'Disabled',
  };
}
