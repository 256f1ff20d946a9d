import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DatasetLayout } from '../common/dataset-layout';
import { ModelLayout } from '../common/model-layout';
import { datasetVersionStates, noDatasetVersionMessage } from '../common/private/dataset-version-states';
import { RUN_STRING_GRAMMAR_JSON } from '../common/run-strings';
import type { IMlDataStore } from '../storage/ml-data-store';
import { addPipelineTriggers } from '../training/private/pipeline-triggers';
import type { IDbtProject } from './dbt-project';
import type { ISparkJob } from './spark-job';

/** The input fields of an execution; the same as the training pipeline's (`TrainingPipelineInput`). */
const INPUT_FIELDS = ['$.datasetS3Uri', '$.datasetVersion', '$.reason'];

export interface DataPipelineProps {
  /** The model whose dataset it builds features from (the layout of `ModelLayout`). */
  readonly modelName: string;
  /** Where the raw dataset versions are and the curated data goes. */
  readonly dataStore: IMlDataStore;
  /**
   * Cleans a raw version: gets `--raw`, `--dataset-version`, `--ingestion-date`, `--report` (the
   * version's `ModelLayout.etlReportKey`, an object it puts whole) and `--run-string-grammar` (the
   * grammar of run-time strings, to check the version itself) with each run.
   */
  readonly sparkJob: ISparkJob;
  /**
   * Builds and tests the features, then writes them where training reads them
   * (`ModelLayout.featuresDir(<version>)` in the curated bucket); gets `MLENV_DATASET_VERSION`,
   * `MLENV_RAW_DATASET_S3URI`, `MLENV_ETL_REPORT` and `MLENV_RUN_STRING_GRAMMAR` with each build.
   */
  readonly dbtProject: IDbtProject;
  /** The training pipeline it starts on the features once they are built, and waits for. */
  readonly trainingPipeline: sfn.IStateMachine;
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
  /** Runs on this schedule, on the newest version of the model's dataset. @default - no schedule */
  readonly schedule?: events.Schedule;
  /** Whether the schedule's rule is enabled. @default true */
  readonly scheduleEnabled?: boolean;
  /** Runs when a new version of the model's dataset is complete (its `latest.json` is written). @default true */
  readonly startOnNewData?: boolean;
}

/**
 * The path from a raw dataset version to a trained model: the Spark job cleans it (`.sync`), dbt
 * builds and tests the features and exports them (`codebuild:startBuild.sync`), then the training
 * pipeline runs on them (`states:startExecution.sync:2`, linked to this execution). Each step has
 * a time limit and retries the errors its service documents as transient; any failure is notified
 * and fails the run.
 *
 * An execution takes the training pipeline's input (`{"datasetS3Uri", "datasetVersion",
 * "reason"}`; `"datasetVersion": "latest"` reads the dataset's `latest.json`), so the schedule, new
 * data and drift can start either. Training gets the version's features folder
 * (`s3://<curated bucket>/<model>/data/features/<version>/`), the version and the reason; the
 * folder's `lineage.json` records the raw files, the ETL report and the dbt results.
 *
 * @example
 * const data = new DataPipeline(this, 'Data', { modelName: 'churn', dataStore, sparkJob, dbtProject,
 *   trainingPipeline: pipeline.stateMachine, notifications, logGroup });
 */
export class DataPipeline extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: DataPipelineProps) {
    super(scope, id);
    const layout = new ModelLayout(props.modelName);
    const raw = props.dataStore.rawBucket.bucketName;
    const curated = props.dataStore.curatedBucket.bucketName;

    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.notifications,
      subject: 'mlenv data pipeline failed',
      message: sfn.TaskInput.fromObject({
        execution: sfn.JsonPath.executionId,
        model: props.modelName,
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    }).next(
      // The run ends with the failed step's own error and cause (a training run's, for `Train`).
      new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }),
    );
    const catchAll = { resultPath: '$.error' };
    const failWith = (error: string, cause: string) =>
      new sfn.Pass(this, error, {
        parameters: { Error: error, Cause: cause },
        resultPath: '$.error',
      }).next(notifyFailure);
    const invalidInput = failWith(
      'InvalidInput',
      `The input must have the strings datasetS3Uri (under s3://${raw}/${layout.datasetPrefix}), ` +
        `datasetVersion (a version, or '${DatasetLayout.LATEST}' for the newest pushed one) and reason`,
    );

    // Where this version's outputs go, and the day its rows are ingested (the execution's start).
    const prepareRun = new sfn.Pass(this, 'PrepareRun', {
      parameters: {
        'ingestionDate.$': "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)",
        'etlReport.$': `States.Format('s3://${curated}/${layout.etlReportKey('{}')}', $.datasetVersion)`,
        'featuresS3Uri.$': `States.Format('s3://${curated}/${layout.featuresDir('{}')}/', $.datasetVersion)`,
      },
      resultPath: '$.run',
    });
    const etl = new tasks.GlueStartJobRun(this, 'CleanRawData', {
      glueJobName: props.sparkJob.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({
        '--raw': sfn.JsonPath.stringAt('$.datasetS3Uri'),
        '--dataset-version': sfn.JsonPath.stringAt('$.datasetVersion'),
        '--ingestion-date': sfn.JsonPath.stringAt('$.run.ingestionDate'),
        '--report': sfn.JsonPath.stringAt('$.run.etlReport'),
        // The script checks the version (and the report's location) itself too.
        '--run-string-grammar': RUN_STRING_GRAMMAR_JSON,
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
        MLENV_RAW_DATASET_S3URI: { value: sfn.JsonPath.stringAt('$.datasetS3Uri') },
        MLENV_ETL_REPORT: { value: sfn.JsonPath.stringAt('$.run.etlReport') },
        MLENV_RUN_STRING_GRAMMAR: { value: RUN_STRING_GRAMMAR_JSON },
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
        datasetS3Uri: sfn.JsonPath.stringAt('$.run.featuresS3Uri'),
        datasetVersion: sfn.JsonPath.stringAt('$.datasetVersion'),
        reason: sfn.JsonPath.stringAt('$.reason'),
      }),
      taskTimeout: sfn.Timeout.duration(props.trainingTimeout ?? Duration.hours(12)),
      resultPath: '$.training',
      resultSelector: { executionArn: sfn.JsonPath.stringAt('$.ExecutionArn') },
    });
    retryTransient(train, ['StepFunctions.ExecutionLimitExceeded', 'StepFunctions.ThrottlingException']);
    for (const step of [etl, dbt, train]) step.addCatch(notifyFailure, catchAll);
    prepareRun.next(etl).next(dbt).next(train).next(new sfn.Succeed(this, 'Succeeded'));

    const checkLocation = new sfn.Choice(this, 'CheckDatasetLocation')
      .when(sfn.Condition.stringMatches('$.datasetS3Uri', `s3://${raw}/${layout.datasetPrefix}*`), prepareRun)
      .otherwise(invalidInput);
    const whichVersion = datasetVersionStates(this, {
      dataStore: props.dataStore,
      layout,
      next: checkLocation,
      noDatasetVersion: failWith('NoDatasetVersion', noDatasetVersionMessage(raw, layout)),
      failure: notifyFailure,
      refuse: (stateId, cause) =>
        new sfn.Pass(this, stateId, {
          parameters: { Error: 'InvalidInput', Cause: cause },
          resultPath: '$.error',
        }).next(notifyFailure),
    });
    const validateInput = new sfn.Choice(this, 'ValidateInput')
      .when(
        sfn.Condition.and(
          ...INPUT_FIELDS.map((p) => sfn.Condition.isPresent(p)),
          ...INPUT_FIELDS.map((p) => sfn.Condition.isString(p)),
        ),
        whichVersion,
      )
      .otherwise(invalidInput);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(validateInput),
      comment: `Builds the features of ${props.modelName} from a raw dataset version, then trains on them`,
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // latest.json, and listing the raw bucket: without it, S3 answers a missing key AccessDenied.
    props.dataStore.grantReadRaw(this.stateMachine, layout.latestDatasetKey);
    // The SnsPublish task grants sns:Publish; encrypting a message needs the topic's key too.
    props.notifications.masterKey?.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');

    addPipelineTriggers(this, {
      stateMachine: this.stateMachine,
      layout,
      dataStore: props.dataStore,
      schedule: props.schedule,
      scheduleEnabled: props.scheduleEnabled ?? true,
      startOnNewData: props.startOnNewData ?? true,
    });
  }
}

/** Retries the errors a service documents as transient (limits, throttling): 3 times, from a minute apart. */
function retryTransient(step: sfn.TaskStateBase, errors: string[]): void {
  step.addRetry({ errors, interval: Duration.minutes(1), maxAttempts: 3, backoffRate: 2 });
}
