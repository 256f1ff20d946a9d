import { Annotations, Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  COMPOSITE_ALARM_SUFFIX,
  dataPipelineLogGroupNames,
  DISCOVERY_KEYS,
  DRIFT_SCHEDULE_SUFFIX,
  MODEL_QUALITY_SCHEDULE_SUFFIX,
  effectiveTraining,
  type EnvironmentConfig,
  type ModelConfig,
  modelDistribution,
  modelEndpointName,
  modelResourceName,
  runRecorderLogGroupName,
} from '../../../config';
import { METRIC_GROUPS } from '../../../config/evaluation-metrics';
import { tuningOptions } from '../../../config/tuning-schema';
import {
  BatchTransform,
  type DataPipeline,
  DataQualityMonitor,
  EndpointAlarms,
  EndpointVariant,
  type IMlflowTrackingServer,
  type IModelRegistry,
  MlDataStore,
  MlInstanceType,
  type MlNetworkPlacement,
  ModelApprovalStatus,
  ModelEndpoint,
  ModelLayout,
  MODEL_MONITOR_PROBLEM_TYPES,
  ModelQualityMonitor,
  NotifyTopicAlarmAction,
  PipelineAlarms,
  type ProblemType,
  type PythonBuildEnvironment,
  type QualityGate,
  RUN_RECORDER_LOCK,
  RunRecorder,
  type TrainingMetric,
  TrainingPipeline,
} from '../../../constructs';
import { pascalCase } from '../../../cfn/pascal-case';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../config/repo-root';
import { acknowledgeControl } from '../compliance/acknowledge';
import { acknowledgeBuildFindings } from '../compliance/build-project-acknowledgements';
import { buildLockInstallOptions } from './build-locks';
import { dataStoreByName } from './data-store-by-name';
import { addModelDataPipeline } from './model-data-pipeline';
import { publishForCli } from './discovery-parameter';
import { modelImages, monitorImage } from './model-images';
import { modelSourceCode, trainingMetrics } from './training-stack';

export interface ModelStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly model: ModelConfig;
  /** The environment's data store; its buckets are used by name (no exports from Storage). */
  readonly dataStore: MlDataStore;
  readonly registry: IModelRegistry;
  /** The pipeline's execution log group (retained, in the Training stack). */
  readonly logGroup: logs.ILogGroup;
  /** Where each run is recorded (in the Training stack); none where the environment has no server. */
  readonly trackingServer?: IMlflowTrackingServer;
  /** Encrypts the data pipeline's job logs, bookmarks and build artifacts. */
  readonly operationsKey: kms.IKey;
  /** Where pipelines, alarms and drift checks notify. */
  readonly alerts: sns.ITopic;
  /** Where jobs and models run, when the environment has a VPC. */
  readonly network?: MlNetworkPlacement;
  /** Where the builds (run recorder, dbt) run and install packages from. */
  readonly buildEnvironment: PythonBuildEnvironment;
  /** Recorded in every registered model's lineage. */
  readonly codeVersion: string;
}

/**
 * One model's stateless resources in an environment: its training pipeline (with alarms and
 * triggers) and, where `deployments/<env>.json` pins a package, its endpoint with alarms and
 * drift monitoring. A stack per model keeps every template far from CloudFormation's limits
 * whatever the number of models.
 */
export class ModelStack extends Stack {
  public readonly pipeline: TrainingPipeline;
  /** The metric lines its training job prints, captured into CloudWatch (its problem type's). */
  public readonly trainingMetrics: readonly TrainingMetric[];
  /** Builds the features and starts training, for a model with a `dataPipeline`. */
  public readonly dataPipeline?: DataPipeline;
  /** Where the environment serves the model (it pins a package and serves it on an endpoint). */
  public readonly endpoint?: ModelEndpoint;
  /** How the environment scores batches with the model (it pins a package and serves it in batch). */
  public readonly batchTransform?: BatchTransform;

  /** The id of a model's stack in its stage (`ChurnModel`). */
  public static idOf(model: string): string {
    return `${pascalCase(model)}Model`;
  }

  /** The construct path within the stage of a part of a model (`Endpoint/Model` -> `ChurnModel/ChurnEndpoint/Model`). */
  public static pathOf(model: string, part: string): string {
    return `${ModelStack.idOf(model)}/${pascalCase(model)}${part}`;
  }

  constructor(scope: Construct, id: string, props: ModelStackProps) {
    super(scope, id, props);
    const { environment, model } = props;
    const dataStore = dataStoreByName(this, props.dataStore);
    this.trainingMetrics = trainingMetrics(model.problemType);
    this.pipeline = this.trainingPipeline(props, dataStore);
    this.dataPipeline = this.modelDataPipeline(props, dataStore);
    const pin = environment.deployments[model.name];
    if (pin && model.serving.mode === 'batch') this.batchTransform = this.batchServed(props, dataStore, pin);
    else if (pin) this.endpoint = this.servedEndpoint(props, dataStore, pin);
  }

  private batchServed(
    props: ModelStackProps,
    dataStore: ReturnType<typeof dataStoreByName>,
    pin: EnvironmentConfig['deployments'][string],
  ): BatchTransform {
    const { environment, model } = props;
    const batch = environment.serving.batch;
    const id = pascalCase(model.name);
    const transform = new BatchTransform(this, `${id}Batch`, {
      modelName: model.name,
      modelPackageArn: pin.modelPackageArn,
      artifactFilesSha256: pin.artifactFilesSha256,
      dataStore,
      image: modelImages(model, environment).inference,
      instanceType: MlInstanceType.of(batch.instanceType),
      instanceCount: batch.instanceCount,
      maxConcurrentTransforms: batch.maxConcurrentTransforms,
      maxPayload: Size.mebibytes(batch.maxPayloadMb),
      maxRuntime: Duration.minutes(batch.maxRuntimeMinutes),
      schedule: events.Schedule.expression(batch.schedule),
      network: props.network,
      logGroup: props.logGroup,
    });
    publishForCli(
      this,
      `${id}BatchArn`,
      props,
      DISCOVERY_KEYS.batchStateMachineArn(model.name),
      transform.stateMachine.stateMachineArn,
      `The batch transform of ${model.name} (scores a batch of its inputs)`,
    );
    publishForCli(
      transform,
      'PinForCli',
      props,
      DISCOVERY_KEYS.pin(model.name),
      JSON.stringify(pin),
      `The package ${environment.name} serves as ${model.name}, from deployments/${environment.name}.json`,
    );
    return transform;
  }

  private trainingPipeline(
    props: ModelStackProps,
    dataStore: ReturnType<typeof dataStoreByName>,
  ): TrainingPipeline {
    const { environment, model } = props;
    const training = environment.training;
    // The model's own compute where it overrides the environment's (`training.models.<model>`).
    const compute = effectiveTraining(environment, model.name);
    const id = pascalCase(model.name);
    // Records each run in MLflow (a build: the pipeline's jobs are network-isolated).
    const recorderSource = join(REPO_ROOT, 'ml', 'tracking');
    const runRecorder = new RunRecorder(this, `${id}RunRecorder`, {
      projectName: modelResourceName(props, model.name, 'runs'),
      sourcePath: recorderSource,
      installOptions: buildLockInstallOptions(recorderSource, RUN_RECORDER_LOCK),
      buildEnvironment: props.buildEnvironment,
      trackingServer: props.trackingServer,
      dataStore,
      evaluationKeyPattern: new ModelLayout(model.name).evaluationKey('*'),
      tuned: model.tuning !== undefined,
      logsKey: props.operationsKey,
      // Retained in the Training stack, found by name (no export).
      logGroup: logs.LogGroup.fromLogGroupName(
        this,
        `${id}RunRecordLogs`,
        runRecorderLogGroupName(props, model.name),
      ),
    });
    acknowledgeBuildFindings(runRecorder.project, runRecorder.logGroup, props.operationsKey);
    const pipeline = new TrainingPipeline(this, `${id}Pipeline`, {
      runRecorder,
      modelName: model.name,
      dataStore,
      registry: props.registry,
      image: modelImages(model, environment).training,
      inferenceImage: modelImages(model, environment).inference,
      // The package must name the type its environment serves it on (a promotion adds the target's).
      inferenceInstanceTypes:
        environment.serving.kind === 'instance' || model.serving.mode === 'async'
          ? [MlInstanceType.of(environment.serving.instanceType)]
          : undefined,
      // A batch-served package must name the type its environment's transforms run on.
      transformInstanceType:
        model.serving.mode === 'batch'
          ? MlInstanceType.of(environment.serving.batch.instanceType)
          : undefined,
      monitorImage: monitorImage(model, environment),
      sourceCode: modelSourceCode(model),
      problemType: model.problemType as ProblemType,
      targetColumn: model.targetColumn,
      hyperparameters: model.hyperparameters,
      tuning: model.tuning && tuningOptions(model.tuning, model.problemType, training.tuning),
      metricDefinitions: [...this.trainingMetrics],
      qualityGate: qualityGateOf(model),
      trainingInstanceType: MlInstanceType.of(compute.instanceType),
      trainingInstanceCount: compute.instanceCount,
      distribution: modelDistribution(model),
      processingInstanceType: MlInstanceType.of(training.processingInstanceType),
      volumeSize: Size.gibibytes(compute.volumeSizeGb),
      maxRuntime: Duration.minutes(compute.maxRuntimeMinutes),
      spot: compute.spot.enabled
        ? { maxWait: Duration.minutes(compute.spot.maxWaitMinutes), checkpoints: model.checkpoints }
        : undefined,
      approvalStatus: training.approvalStatus as ModelApprovalStatus,
      codeVersion: props.codeVersion,
      notificationTopic: props.alerts,
      logGroup: props.logGroup,
      network: props.network,
      // A model with a data pipeline trains on what it builds: its triggers start that instead.
      ...(model.dataPipeline
        ? { startOnNewData: false, acceptFeatures: true }
        : {
            schedule: events.Schedule.expression(training.schedule.expression),
            scheduleEnabled: training.schedule.enabled,
          }),
    });
    publishForCli(
      this,
      `${id}PipelineArn`,
      props,
      DISCOVERY_KEYS.pipelineArn(model.name),
      pipeline.stateMachine.stateMachineArn,
      `The training pipeline of ${model.name}`,
    );
    new PipelineAlarms(this, `${id}PipelineAlarms`, {
      pipeline,
      action: new NotifyTopicAlarmAction(props.alerts),
      jobFailures: props.alerts,
    });
    return pipeline;
  }

  private modelDataPipeline(
    props: ModelStackProps,
    dataStore: ReturnType<typeof dataStoreByName>,
  ): DataPipeline | undefined {
    const { environment, model } = props;
    const { dataPipeline } = model;
    if (!dataPipeline) return undefined;
    // Retained in the Training stack, found by name (no export).
    const names = dataPipelineLogGroupNames(props, model.name);
    const id = pascalCase(model.name);
    const pipeline = addModelDataPipeline(this, {
      project: props.project,
      environment,
      model: { ...model, dataPipeline },
      dataStore,
      logsKey: props.operationsKey,
      buildEnvironment: props.buildEnvironment,
      executionLogs: logs.LogGroup.fromLogGroupName(this, `${id}DataPipelineLogs`, names.execution),
      buildLogs: logs.LogGroup.fromLogGroupName(this, `${id}DbtBuildLogs`, names.builds),
      trainingPipeline: this.pipeline.stateMachine,
      alerts: props.alerts,
      schedule: events.Schedule.expression(environment.training.schedule.expression),
      scheduleEnabled: environment.training.schedule.enabled,
    });
    publishForCli(
      this,
      `${id}DataPipelineArn`,
      props,
      DISCOVERY_KEYS.dataPipelineArn(model.name),
      pipeline.stateMachine.stateMachineArn,
      `The data pipeline of ${model.name} (builds its features, then trains)`,
    );
    return pipeline;
  }

  private servedEndpoint(
    props: ModelStackProps,
    dataStore: ReturnType<typeof dataStoreByName>,
    pin: EnvironmentConfig['deployments'][string],
  ): ModelEndpoint {
    const { environment, model } = props;
    const serving = environment.serving;
    const id = pascalCase(model.name);
    // An asynchronous model runs on `serving.instanceType` in every environment, even where the
    // real-time endpoints are serverless (serverless endpoints cannot be asynchronous).
    const isAsync = model.serving.mode === 'async';
    const onInstances = serving.kind === 'instance' || isAsync;
    const endpoint = new ModelEndpoint(this, `${id}Endpoint`, {
      endpointName: modelEndpointName(props, model.name),
      modelName: model.name,
      modelPackageArn: pin.modelPackageArn,
      artifactFilesSha256: pin.artifactFilesSha256,
      dataStore,
      image: modelImages(model, environment).inference,
      variant: isAsync
        ? EndpointVariant.asynchronous({
            instanceType: MlInstanceType.of(serving.instanceType),
            initialInstanceCount: Math.min(serving.initialInstanceCount, serving.async.maxInstances),
            maxInstances: serving.async.maxInstances,
            backlogPerInstance: serving.async.backlogPerInstance,
            maxConcurrentInvocationsPerInstance: serving.async.maxConcurrentInvocationsPerInstance,
          })
        : serving.kind === 'instance'
          ? EndpointVariant.instances({
              instanceType: MlInstanceType.of(serving.instanceType),
              initialInstanceCount: serving.initialInstanceCount,
              autoscaling: serving.autoscaling,
            })
          : EndpointVariant.serverless({
              memorySize: Size.mebibytes(serving.serverless.memorySizeMb),
              maxConcurrency: serving.serverless.maxConcurrency,
            }),
      dataCapturePercent: onInstances ? serving.dataCapturePercent : undefined,
      // Only a real-time instance endpoint takes a shadow (the configuration refuses other pins with
      // one; parity's counterfactual renderings of serverless knobs drop it).
      shadow:
        pin.shadow && serving.kind === 'instance' && !isAsync
          ? { ...pin.shadow, samplingPercent: serving.shadow.samplingPercent }
          : undefined,
      rollout: onInstances
        ? {
            canaryPercent: serving.rollout.canaryPercent,
            wait: Duration.minutes(serving.rollout.waitMinutes),
          }
        : undefined,
      latencyThreshold: Duration.millis(serving.latencyAlarmMs),
      network: props.network,
      alarmNamePrefix: modelResourceName(props, model.name),
      errorThreshold: environment.monitoring.endpoint5xxPerMinute,
    });
    const alarms = new EndpointAlarms(this, `${id}Alarms`, {
      endpoint,
      clientErrorRatePercent: environment.monitoring.endpoint4xxRatePercent,
      utilization: onInstances ? environment.monitoring : undefined,
      action: new NotifyTopicAlarmAction(props.alerts),
      compositeAlarmName: modelResourceName(props, model.name, COMPOSITE_ALARM_SUFFIX),
    });
    for (const alarm of [endpoint.errorAlarm, endpoint.latencyAlarm, ...alarms.components]) {
      acknowledgeControl(
        alarm,
        'CloudWatchAlarmAction',
        `Notifies through the composite alarm of ${model.name}, so one incident sends one message`,
      );
    }
    // Drift monitoring needs captured data: instance and asynchronous variants (serverless captures none).
    if (onInstances && serving.dataCapturePercent > 0) {
      const monitor = new DataQualityMonitor(this, `${id}DataQuality`, {
        endpoint,
        modelName: model.name,
        dataStore,
        baseline: pin.dataQualityBaseline,
        schedule: environment.monitoring.driftSchedule,
        scheduleName: modelResourceName(props, model.name, DRIFT_SCHEDULE_SUFFIX),
        alerts: props.alerts,
        retrain: environment.monitoring.retrainOnDrift
          ? { stateMachine: (this.dataPipeline ?? this.pipeline).stateMachine }
          : undefined,
        image: monitorImage(model, environment),
        network: props.network,
      });
      if (!pin.dataQualityBaseline) {
        Annotations.of(monitor).addWarningV2(
          'mlenv:noDriftBaseline',
          `deployments/${environment.name}.json pins ${model.name} without dataQualityBaseline: drift checks compute statistics but find no violations`,
        );
      }
    }
    // Model quality joins a real-time endpoint's captured predictions with the labels pushed for
    // them (`mlenv data labels push`): instance endpoints with capture, real-time models only.
    const watchable =
      MODEL_MONITOR_PROBLEM_TYPES[model.problemType as ProblemType]?.metrics[model.qualityGate.metric] !==
      undefined;
    const checksQuality =
      serving.kind === 'instance' && serving.dataCapturePercent > 0 && model.serving.mode === 'endpoint';
    if (checksQuality && !watchable) {
      // Not a failed synth: the model serves, only its quality goes unwatched, and the deploy says why.
      Annotations.of(endpoint).addWarningV2(
        'mlenv:qualityGateUnwatchable',
        `${model.name}'s quality gate metric '${model.qualityGate.metric}' is not one Model Monitor computes for ${model.problemType}: no model-quality check (gate on ${Object.keys(MODEL_MONITOR_PROBLEM_TYPES[model.problemType as ProblemType]?.metrics ?? {}).join(', ')} to have one)`,
      );
    }
    if (checksQuality && watchable) {
      const quality = new ModelQualityMonitor(this, `${id}ModelQuality`, {
        endpoint,
        modelName: model.name,
        problemType: model.problemType as ProblemType,
        qualityGate: model.qualityGate,
        dataStore,
        schedule: environment.monitoring.modelQuality.schedule,
        scheduleName: modelResourceName(props, model.name, MODEL_QUALITY_SCHEDULE_SUFFIX),
        alarmName: modelResourceName(props, model.name, MODEL_QUALITY_SCHEDULE_SUFFIX),
        alerts: props.alerts,
        retrain: environment.monitoring.modelQuality.retrain
          ? { stateMachine: (this.dataPipeline ?? this.pipeline).stateMachine }
          : undefined,
        image: monitorImage(model, environment),
        network: props.network,
      });
      acknowledgeControl(
        quality.alarm,
        'CloudWatchAlarmAction',
        `A quality drop of ${model.name} notifies once, through its violations rule (with the check and the retraining decision); the alarm shows the state`,
      );
    }
    if (!onInstances) {
      acknowledgeControl(
        endpoint.node.findChild('Config'),
        'SageMakerEndpointConfigurationKMSKeyConfigured',
        `${environment.name} serves serverless (the serving.kind knob): serverless endpoint configs take no KMS key`,
      );
    }
    publishForCli(
      endpoint, // beside the endpoint: it exists where the endpoint does
      'NameForCli',
      props,
      DISCOVERY_KEYS.endpointName(model.name),
      endpoint.endpointName,
      `The endpoint of ${model.name}`,
    );
    publishForCli(
      endpoint,
      'PinForCli',
      props,
      DISCOVERY_KEYS.pin(model.name),
      JSON.stringify(pin),
      `The package ${environment.name} serves as ${model.name}, from deployments/${environment.name}.json`,
    );
    return endpoint;
  }
}

/** A model's gate, its champion rule (if any) with the direction its metric is better in. */
function qualityGateOf(model: ModelConfig): QualityGate {
  const { vsChampion, ...gate } = model.qualityGate;
  if (!vsChampion) return gate;
  const better = METRIC_GROUPS[model.problemType]?.[vsChampion.metric];
  if (!better)
    throw new Error(
      `${model.name}: qualityGate.vsChampion.metric '${vsChampion.metric}' has no direction in ml/evaluation-metrics.json`,
    );
  return { ...gate, vsChampion: { ...vsChampion, better } };
}
