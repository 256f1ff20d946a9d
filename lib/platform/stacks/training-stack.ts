import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import {
  dataPipelineLogGroupNames,
  type EnvironmentConfig,
  etlLogGroupPrefix,
  type ModelConfig,
  modelCodeDirectory,
  modelEndpointName,
  runRecorderLogGroupName,
  trackingServerName,
} from '../../../config';
import {
  endpointLogGroupName,
  type IMlflowTrackingServer,
  type MlDataStore,
  MlflowTrackingServer,
  SourceCode,
  type TrainingMetric,
} from '../../../constructs';
import { pascalCase } from '../../../cfn/pascal-case';
import { EVALUATION_METRICS } from '../../../config/evaluation-metrics';
import { REPO_ROOT } from '../../../config/repo-root';
import { dataStoreByName } from './data-store-by-name';
import { removalPolicyOf } from './storage-stack';

/** Where in the models bucket the environment's tracking server keeps run artifacts. */
export const TRACKING_ARTIFACT_PREFIX = 'mlflow/';

/** The library every model's code imports (ml/mlenv_model), shipped in each model's archive. */
export const MODEL_LIBRARY = join(REPO_ROOT, 'ml', 'mlenv_model');

/**
 * A model's code as its jobs run it: the top-level Python files of its code directory
 * (`modelCodeDirectory`: its scripts, never its requirements, tests or lock) and, beside them,
 * the shared library `mlenv_model/`.
 */
export function modelSourceCode(model: Pick<ModelConfig, 'name' | 'code'>): SourceCode {
  return SourceCode.fromDirectory(join(REPO_ROOT, modelCodeDirectory(model)), { packages: [MODEL_LIBRARY] });
}

/**
 * The metric lines a model's training job prints, captured into CloudWatch: its problem type's
 * first metric on the train split, then each of its metrics on the validation split
 * (ml/mlenv_model/metrics.py `training_metric_names`; the groups of ml/evaluation-metrics.json).
 */
export function trainingMetrics(problemType: string): TrainingMetric[] {
  const names = EVALUATION_METRICS[problemType];
  if (!names) throw new Error(`no metrics for problem type '${problemType}' in ml/evaluation-metrics.json`);
  return [`train:${names[0]}`, ...names.map((m) => `validation:${m}`)].map((name) => ({
    name,
    regex: `metric ${name}=(-?[0-9.]+)`,
  }));
}

export interface TrainingStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
  readonly project: string;
  readonly models: readonly ModelConfig[];
  readonly operationsKey: kms.IKey;
  /** Holds the tracking server's artifacts (its buckets are used by name: no export from Storage). */
  readonly dataStore: MlDataStore;
}

/**
 * What the environment's training keeps: the pipelines' execution logs, one retained log group
 * per model (and, for a model with a data pipeline, its executions' and its dbt builds' logs),
 * and the MLflow tracking server where runs are recorded (`tracking.server: managed`). The
 * pipelines themselves are in each model's stack (`ModelStack`); what they keep stays here, where
 * it has always been, so that history is never lost when a pipeline's resources change.
 */
export class TrainingStack extends Stack {
  public readonly logGroups: Record<string, logs.LogGroup> = {};
  /** The data pipelines' execution logs and dbt build logs, of the models that have one. */
  public readonly dataLogGroups: Record<string, { execution: logs.LogGroup; builds: logs.LogGroup }> = {};
  /** Where runs are recorded; absent where the environment's `tracking.server` is `none`. */
  public readonly trackingServer?: IMlflowTrackingServer;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const logGroup = (id: string, logGroupName?: string) =>
      new logs.LogGroup(this, id, {
        logGroupName,
        retention: environment.logRetentionDays as logs.RetentionDays,
        encryptionKey: props.operationsKey,
        removalPolicy: removalPolicyOf(environment),
      });
    const { tracking } = environment;
    if (tracking.server === 'managed') {
      this.trackingServer = new MlflowTrackingServer(this, 'Tracking', {
        trackingServerName: trackingServerName(props),
        dataStore: dataStoreByName(this, props.dataStore),
        artifactPrefix: TRACKING_ARTIFACT_PREFIX,
        size: tracking.size,
        weeklyMaintenanceWindowStart: tracking.maintenanceWindow,
        removalPolicy: removalPolicyOf(environment),
      });
    }
    // SageMaker's own groups for every training and processing job of the account and region
    // (data-quality checks included), declared so that they have the environment's retention and
    // key. In an account where SageMaker has already created them, import them first (docs/guide/guardrails.md).
    logGroup('SageMakerTrainingJobLogs', '/aws/sagemaker/TrainingJobs');
    logGroup('SageMakerProcessingJobLogs', '/aws/sagemaker/ProcessingJobs');
    for (const model of props.models) {
      const id = pascalCase(model.name);
      this.logGroups[model.name] = logGroup(`${id}PipelineLogs`);
      logGroup(`${id}RunRecordLogs`, runRecorderLogGroupName(props, model.name));
      // Its endpoint's, whether or not the environment serves it yet: a retained group would
      // otherwise block the endpoint's next creation.
      logGroup(`${id}EndpointLogs`, endpointLogGroupName(modelEndpointName(props, model.name)));
      if (model.dataPipeline) {
        const names = dataPipelineLogGroupNames(props, model.name);
        this.dataLogGroups[model.name] = {
          execution: logGroup(`${id}DataPipelineLogs`, names.execution),
          builds: logGroup(`${id}DbtBuildLogs`, names.builds),
        };
        const etl = etlLogGroupPrefix(props, model.name);
        logGroup(`${id}EtlOutputLogs`, `${etl}/output`);
        logGroup(`${id}EtlErrorLogs`, `${etl}/error`);
      }
    }
  }
}
