import { Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { DISCOVERY_KEYS, type EnvironmentConfig, type ModelConfig } from '../../config';
import { publishForCli } from './discovery-parameter';
import {
  type IModelRegistry,
  MlDataStore,
  MlInstanceType,
  NotifyTopicAlarmAction,
  PipelineAlarms,
  ModelApprovalStatus,
  type ProblemType,
  SourceCode,
  TrainingPipeline,
  type MlNetworkPlacement,
} from '../../constructs';
import { pascalCase } from '../../constructs/common/pascal-case';
import { dataStoreByName } from './data-store-by-name';
import { modelImage, monitorImage } from './model-images';
import { REPO_ROOT } from '../app/cdk-context';
import { removalPolicyOf } from './storage-stack';

/** The workload's code: the files of ml/ that run in SageMaker (not its tests or tools). */
export const WORKLOAD_SOURCE = SourceCode.fromDirectory(join(REPO_ROOT, 'ml'), {
  files: ['common.py', 'preprocess.py', 'train.py', 'evaluate.py', 'inference.py'],
});

/** The metric lines ml/train.py prints (see its METRIC_REGEXES), captured into CloudWatch. */
export const TRAINING_METRICS = ['train:auc', 'validation:auc', 'validation:accuracy'].map((name) => ({
  name,
  regex: `metric ${name}=([0-9.]+)`,
}));

export interface TrainingStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly models: readonly ModelConfig[];
  /** The environment's data store; its buckets are used by name (no exports from Storage). */
  readonly dataStore: MlDataStore;
  readonly registry: IModelRegistry;
  readonly operationsKey: kms.IKey;
  /** Where pipelines report success and failure. */
  readonly alerts: sns.ITopic;
  /** Where jobs and models run, when the environment has a VPC. */
  readonly network?: MlNetworkPlacement;
  /** Recorded in every registered model's lineage. */
  readonly codeVersion: string;
}

/** One training pipeline per model (stateless, apart from its retained execution logs). */
export class TrainingStack extends Stack {
  public readonly pipelines: Record<string, TrainingPipeline> = {};

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const training = environment.training;
    const dataStore = dataStoreByName(this, props.dataStore);

    for (const model of props.models) {
      const id = pascalCase(model.name);
      const logGroup = new logs.LogGroup(this, `${id}PipelineLogs`, {
        retention: environment.logRetentionDays as logs.RetentionDays,
        encryptionKey: props.operationsKey,
        removalPolicy: removalPolicyOf(environment),
      });
      this.pipelines[model.name] = new TrainingPipeline(this, `${id}Pipeline`, {
        modelName: model.name,
        dataStore,
        registry: props.registry,
        image: modelImage(model, environment),
        monitorImage: monitorImage(model, environment),
        sourceCode: WORKLOAD_SOURCE,
        problemType: model.problemType as ProblemType,
        targetColumn: model.targetColumn,
        hyperparameters: model.hyperparameters,
        metricDefinitions: TRAINING_METRICS,
        qualityGate: model.qualityGate,
        trainingInstanceType: MlInstanceType.of(training.instanceType),
        trainingInstanceCount: training.instanceCount,
        processingInstanceType: MlInstanceType.of(training.processingInstanceType),
        volumeSize: Size.gibibytes(training.volumeSizeGb),
        maxRuntime: Duration.minutes(training.maxRuntimeMinutes),
        spot: training.spot.enabled ? { maxWait: Duration.minutes(training.spot.maxWaitMinutes) } : undefined,
        approvalStatus: training.approvalStatus as ModelApprovalStatus,
        codeVersion: props.codeVersion,
        notificationTopic: props.alerts,
        logGroup,
        network: props.network,
        schedule: events.Schedule.expression(training.schedule.expression),
        scheduleEnabled: training.schedule.enabled,
      });
      publishForCli(
        this,
        `${id}PipelineArn`,
        props,
        DISCOVERY_KEYS.pipelineArn(model.name),
        this.pipelines[model.name].stateMachine.stateMachineArn,
        `The training pipeline of ${model.name}`,
      );
      new PipelineAlarms(this, `${id}PipelineAlarms`, {
        pipeline: this.pipelines[model.name],
        action: new NotifyTopicAlarmAction(props.alerts),
        jobFailures: props.alerts,
      });
    }
  }
}
