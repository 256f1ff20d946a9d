import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { DbtProject } from './dbt-project';
import type { ISparkJob } from './spark-job';

/** What starts a data pipeline run: the raw dataset version to clean, build features from and train on. */
export interface DataPipelineInput {
  /** The version's folder of raw CSV files (`s3://<raw bucket>/<model>/<version>/`). */
  readonly rawS3Uri: string;
  /** The version, recorded on every curated row and passed to training. */
  readonly datasetVersion: string;
  /** The partition the curated rows go to (`YYYY-MM-DD`). */
  readonly ingestionDate: string;
}

/** The reason the training pipeline records for runs the data pipeline starts. */
export const DATA_PIPELINE_REASON = 'data-pipeline';

export interface DataPipelineProps {
  /** Cleans the raw version (its arguments `--raw`, `--dataset-version`, `--ingestion-date` come from the input). */
  readonly sparkJob: ISparkJob;
  /** Builds the feature models and runs their tests. */
  readonly dbtProject: DbtProject;
  /** The training pipeline it starts once the features are built, and waits for. */
  readonly trainingPipeline: sfn.IStateMachine;
  /** Where training reads the features the dbt build produced (`datasetS3Uri` of its input). */
  readonly featuresS3Uri: string;
  /** Told of every failed run. */
  readonly notifications: sns.ITopic;
  /** The execution history log (all events, with data). */
  readonly logGroup: logs.ILogGroup;
  /** @default Duration.hours(2) */
  readonly etlTimeout?: Duration;
  /** @default Duration.hours(1) */
  readonly dbtTimeout?: Duration;
  /** @default Duration.hours(12) */
  readonly trainingTimeout?: Duration;
}

/**
 * The path from a raw dataset version to a trained model: the Spark job cleans it (`.sync`), dbt
 * builds and tests the features (`codebuild:startBuild.sync`), then the training pipeline runs on
 * them with the dataset version (`states:startExecution.sync:2`, linked to this execution). Each
 * step has a time limit and retries the errors its service documents as transient; any failure is
 * notified and fails the run.
 *
 * @example
 * const pipeline = new DataPipeline(this, 'Data', { sparkJob, dbtProject, trainingPipeline,
 *   featuresS3Uri: `s3://${curated}/features/churn/`, notifications, logGroup });
 */
export class DataPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: DataPipelineProps) {
    super(scope, id);
    const etl = new tasks.GlueStartJobRun(this, 'CleanRawData', {
      glueJobName: props.sparkJob.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({
        '--raw': sfn.JsonPath.stringAt('$.rawS3Uri'),
        '--dataset-version': sfn.JsonPath.stringAt('$.datasetVersion'),
        '--ingestion-date': sfn.JsonPath.stringAt('$.ingestionDate'),
      }),
      taskTimeout: sfn.Timeout.duration(props.etlTimeout ?? Duration.hours(2)),
      resultPath: '$.etl',
      resultSelector: { jobRunId: sfn.JsonPath.stringAt('$.Id') },
    });
    retryTransient(etl, ['Glue.ConcurrentRunsExceededException', 'Glue.ThrottlingException']);
    const dbt = new tasks.CodeBuildStartBuild(this, 'BuildFeatures', {
      project: props.dbtProject.project,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      environmentVariablesOverride: {
        MLENV_DATASET_VERSION: { value: sfn.JsonPath.stringAt('$.datasetVersion') },
      },
      taskTimeout: sfn.Timeout.duration(props.dbtTimeout ?? Duration.hours(1)),
      resultPath: '$.dbt',
      resultSelector: { buildId: sfn.JsonPath.stringAt('$.Build.Id') },
    });
    retryTransient(dbt, ['CodeBuild.AccountLimitExceededException', 'CodeBuild.ThrottlingException']);
    const train = new tasks.StepFunctionsStartExecution(this, 'Train', {
      stateMachine: props.trainingPipeline,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      associateWithParent: true,
      input: sfn.TaskInput.fromObject({
        datasetS3Uri: props.featuresS3Uri,
        datasetVersion: sfn.JsonPath.stringAt('$.datasetVersion'),
        reason: DATA_PIPELINE_REASON,
      }),
      taskTimeout: sfn.Timeout.duration(props.trainingTimeout ?? Duration.hours(12)),
      resultPath: '$.training',
      resultSelector: { executionArn: sfn.JsonPath.stringAt('$.ExecutionArn') },
    });
    retryTransient(train, ['StepFunctions.ExecutionLimitExceeded', 'StepFunctions.ThrottlingException']);

    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.notifications,
      subject: 'mlenv data pipeline failed',
      message: sfn.TaskInput.fromObject({
        execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
        datasetVersion: sfn.JsonPath.stringAt('$.datasetVersion'),
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    }).next(
      new sfn.Fail(this, 'Failed', {
        error: 'DataPipelineFailed',
        cause: 'A step failed; see the notification',
      }),
    );
    for (const step of [etl, dbt, train]) step.addCatch(notifyFailure, { resultPath: '$.error' });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        etl.next(dbt).next(train).next(new sfn.Succeed(this, 'Succeeded')),
      ),
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}

/** Retries the errors a service documents as transient (limits, throttling): 3 times, from a minute apart. */
function retryTransient(step: sfn.TaskStateBase, errors: string[]): void {
  step.addRetry({ errors, interval: Duration.minutes(1), maxAttempts: 3, backoffRate: 2 });
}
