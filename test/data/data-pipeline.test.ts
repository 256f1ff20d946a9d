import '../../lib/tools/authorization/promise-with-resolvers';
import { join } from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import aslValidator from 'asl-validator';
import { DataCatalog, DataPipeline, DbtProject, SparkJob } from '../../constructs';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { ModelLayout } from '../../constructs/common/model-layout';
import { RUN_STRING_GRAMMAR_JSON } from '../../constructs/common/run-strings';
import { REPO_ROOT } from '../../config/repo-root';
import { locallyRunnable } from '../../cfn/jsonata-choices';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';
import { localStateMachine } from '../support/local-state-machine';

type Json = Record<string, any>;
const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
const LAYOUT = new ModelLayout('churn');

const { app, stack, dataStore, logsKey } = dataStack();
const sparkJob = new SparkJob(stack, 'Etl', {
  dataStore,
  logsKey,
  scriptPath: join(REPO_ROOT, 'ml', 'data', 'etl.py'),
});
const catalog = new DataCatalog(stack, 'Catalog', {
  dataStore,
  databaseName: 'acme_dev_curated',
  workGroupName: 'acme-dev',
});
const dbtProject = new DbtProject(stack, 'Features', {
  projectPath: join(REPO_ROOT, 'ml', 'data', 'dbt'),
  catalog,
  logsKey,
});
const trainingPipeline = new sfn.StateMachine(stack, 'Training', {
  definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'TrainStandIn')),
  stateMachineName: 'acme-dev-churn-training',
});
const otherPipeline = new sfn.StateMachine(stack, 'Other', {
  definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'OtherStandIn')),
  stateMachineName: 'acme-dev-other',
});
const pipeline = new DataPipeline(stack, 'Pipeline', {
  modelName: 'churn',
  dataStore,
  sparkJob,
  dbtProject,
  trainingPipeline,
  notifications: new sns.Topic(stack, 'Alerts', { topicName: 'alerts' }),
  logGroup: new logs.LogGroup(stack, 'PipelineLogs'),
});
void otherPipeline;

const authz = AuthorizationModel.fromAssembly(app.synth());
const deployed = authz.inventory.deployed;
const machine = deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find((m) => m.logicalId.startsWith('PipelineStateMachine'))!;
const definition = deployed.definition(machine) as Json;
const states = definition.States as Record<string, Json>;
const STEPS = [
  ['CleanRawData', 'arn:aws:states:::glue:startJobRun.sync'],
  ['BuildFeatures', 'arn:aws:states:::codebuild:startBuild.sync'],
  ['Train', 'arn:aws:states:::states:startExecution.sync:2'],
] as const;

const EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:data:run-1`;
const VERSION = 'a1b2c3';
const INPUT = {
  datasetS3Uri: DatasetLayout.versionUri('acme-dev-raw', 'churn', VERSION),
  datasetVersion: VERSION,
  reason: 'manual',
};
const START = '2026-11-30T10:00:00.000Z';
/** What the training pipeline's triggers send (its documented input): the newest version of the dataset. */
const NEW_DATA_INPUT = {
  datasetS3Uri: 's3://acme-dev-raw/churn/',
  datasetVersion: 'latest',
  reason: 'new-data',
};
const curated = (key: string) => `s3://acme-dev-curated/${key}/`;

/** Runs the rendered definition locally; each step answered by `handlers` (or succeeding). */
async function execute(handlers: Record<string, (input: Json) => unknown> = {}, input: Json = INPUT) {
  const calls: Record<string, Json[]> = {};
  const answer = (name: string, fallback: (input: Json) => unknown) => async (input: unknown) => {
    (calls[name] ??= []).push(input as Json);
    return (handlers[name] ?? fallback)(input as Json) as never;
  };
  const runnable = locallyRunnable(definition);
  const local = localStateMachine(runnable.definition as never, { validationOptions: { checkArn: false } });
  const run = local.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: {
        ...runnable.handlers,
        CleanRawData: answer('CleanRawData', () => ({ Id: 'jr_1', JobRunState: 'SUCCEEDED' })),
        BuildFeatures: answer('BuildFeatures', () => ({
          Build: { Id: 'features:1', BuildStatus: 'SUCCEEDED' },
        })),
        Train: answer('Train', () => ({
          ExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:t:1',
          Status: 'SUCCEEDED',
        })),
        NotifyFailure: answer('NotifyFailure', () => ({ MessageId: 'm-1' })),
        ReadLatestDatasetVersion: answer('ReadLatestDatasetVersion', () => ({
          Body: JSON.stringify(DatasetLayout.latest('acme-dev-raw', 'churn', VERSION)),
        })),
      },
      retryIntervalOverrides: { CleanRawData: 0, BuildFeatures: 0, Train: 0 },
    },
    context: {
      Execution: { Id: EXECUTION, Name: 'run-1', Input: input, StartTime: START },
    } as never,
  });
  try {
    return { status: 'SUCCEEDED', output: (await run.result) as Json, calls };
  } catch (error) {
    return { status: 'FAILED', error: (error as { error?: string }).error, calls };
  }
}

function failure(name: string) {
  return () => {
    const error = new Error(`${name} failed`);
    error.name = name;
    throw error;
  };
}

describe('DataPipeline', () => {
  test('its rendered definition is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(isValid ? '' : errorsText('\n')).toBe('');
  });

  test('runs the Spark job, then dbt, then training, each waited for, with a time limit and a catch', () => {
    let name = states.PrepareRun.Next as string;
    for (const [step, resource] of STEPS) {
      expect(name).toBe(step);
      expect(states[step].Resource).toBe(resource);
      // Glue takes the time limit itself (minutes, Parameters.Timeout); the others in the state.
      expect(states[step].TimeoutSeconds ?? states[step].Parameters.Timeout).toBeGreaterThan(0);
      expect(states[step].Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'NotifyFailure' }),
      ]);
      name = states[step].Next;
    }
    expect(states[name].Type).toBe('Succeed');
    expect(states.CleanRawData.Parameters.JobName).toBe(deployed.ref(deployed.ofType('AWS::Glue::Job')[0]));
    expect(states.Train.Parameters.StateMachineArn).toBe(
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:acme-dev-churn-training`,
    );
  });

  test('a run cleans the given version, builds features for it and trains on them with that version', async () => {
    const run = await execute();
    expect(run.status).toBe('SUCCEEDED');
    // One object, put whole at its exact key (a Spark overwrite of a folder follows Hadoop's `..`).
    const report = `s3://acme-dev-curated/${LAYOUT.etlReportKey(VERSION)}`;
    expect(run.calls.CleanRawData[0].Arguments).toEqual({
      '--raw': INPUT.datasetS3Uri,
      '--dataset-version': VERSION,
      '--ingestion-date': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      '--report': report,
      '--run-string-grammar': RUN_STRING_GRAMMAR_JSON,
    });
    // The day the execution started (the local runner supplies its own start time).
    const day = run.calls.CleanRawData[0].Arguments['--ingestion-date'];
    expect([START.slice(0, 10), new Date().toISOString().slice(0, 10)]).toContain(day);
    expect(run.calls.BuildFeatures[0].EnvironmentVariablesOverride).toEqual([
      { Name: 'MLENV_DATASET_VERSION', Type: 'PLAINTEXT', Value: VERSION },
      { Name: 'MLENV_RAW_DATASET_S3URI', Type: 'PLAINTEXT', Value: INPUT.datasetS3Uri },
      { Name: 'MLENV_ETL_REPORT', Type: 'PLAINTEXT', Value: report },
      { Name: 'MLENV_RUN_STRING_GRAMMAR', Type: 'PLAINTEXT', Value: RUN_STRING_GRAMMAR_JSON },
    ]);
    const training = JSON.parse(JSON.stringify(run.calls.Train[0].Input));
    expect(training).toEqual({
      datasetS3Uri: curated(LAYOUT.featuresDir(VERSION)),
      datasetVersion: VERSION,
      reason: INPUT.reason,
      // The training execution is linked to this one (its console shows the parent).
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: EXECUTION,
    });
    expect(run.calls.NotifyFailure).toBeUndefined();
  });

  test("'latest' runs on the version the dataset's latest.json names", async () => {
    const run = await execute({}, NEW_DATA_INPUT);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.ReadLatestDatasetVersion[0]).toEqual({
      Bucket: 'acme-dev-raw',
      Key: LAYOUT.latestDatasetKey,
    });
    expect(run.calls.CleanRawData[0].Arguments['--raw']).toBe(INPUT.datasetS3Uri);
    expect(JSON.parse(JSON.stringify(run.calls.Train[0].Input)).reason).toBe('new-data');
  });

  test("'latest' with no version pushed fails as NoDatasetVersion, notified, nothing run", async () => {
    const run = await execute(
      { ReadLatestDatasetVersion: failure('S3.NoSuchKeyException') },
      { datasetS3Uri: 's3://acme-dev-raw/churn/', datasetVersion: 'latest', reason: 'schedule' },
    );
    expect(run.status).toBe('FAILED');
    expect(run.calls.NotifyFailure[0].Message.error).toBe('NoDatasetVersion');
    expect(run.calls.CleanRawData).toBeUndefined();
  });

  test.each([
    ["another model's dataset", { ...INPUT, datasetS3Uri: 's3://acme-dev-raw/other/versions/v1/' }],
    ['another bucket', { ...INPUT, datasetS3Uri: 's3://elsewhere/churn/versions/v1/' }],
    ['a missing reason', { datasetS3Uri: INPUT.datasetS3Uri, datasetVersion: VERSION }],
    ['a version that is not a string', { ...INPUT, datasetVersion: 3 }],
    ['a version that climbs out of its folder', { ...INPUT, datasetVersion: '../features' }],
    ['a version with a slash', { ...INPUT, datasetVersion: 'v1/../../other' }],
    ['an empty version', { ...INPUT, datasetVersion: '' }],
    ['a reason with a space', { ...INPUT, reason: 'retrain now' }],
    [
      'a dataset location that climbs',
      { ...INPUT, datasetS3Uri: 's3://acme-dev-raw/churn/../other/versions/v1/' },
    ],
  ])('an input with %s is refused as InvalidInput, nothing run', async (_, input) => {
    const run = await execute({}, input as Json);
    expect(run.status).toBe('FAILED');
    expect(run.calls.NotifyFailure[0].Message.error).toBe('InvalidInput');
    expect(run.calls.CleanRawData).toBeUndefined();
  });

  test.each(STEPS.map(([step]) => step))(
    'a failed %s is notified with its error and fails the run, nothing after it runs',
    async (step) => {
      const run = await execute({ [step]: failure('States.TaskFailed') });
      expect(run.status).toBe('FAILED');
      expect(run.calls.NotifyFailure).toHaveLength(1);
      const message = run.calls.NotifyFailure[0].Message;
      expect(message).toMatchObject({ execution: EXECUTION, model: 'churn', error: 'States.TaskFailed' });
      const after = STEPS.slice(STEPS.findIndex(([s]) => s === step) + 1).map(([s]) => s);
      for (const later of after) expect(run.calls[later]).toBeUndefined();
    },
  );

  test('a complete new dataset version starts it (its latest.json written), on that version', () => {
    const rules = deployed.ofType('AWS::Events::Rule').filter((r) => r.properties.EventPattern !== undefined);
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule.properties.EventPattern).toMatchObject({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['acme-dev-raw'] }, object: { key: [LAYOUT.latestDatasetKey] } },
    });
    const [target] = rule.properties.Targets as Json[];
    expect(target.Arn).toBe(deployed.ref(machine));
    expect(JSON.parse(target.Input)).toEqual(NEW_DATA_INPUT);
  });

  test('a transient service error is retried', async () => {
    let first = true;
    const run = await execute({
      CleanRawData: () => {
        if (first) {
          first = false;
          return failure('Glue.ConcurrentRunsExceededException')();
        }
        return { Id: 'jr_2' };
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.CleanRawData).toHaveLength(2);
  });

  describe('what its role may do, evaluated', () => {
    const roleArn = String(machine.properties.RoleArn);
    const allowed = (action: string, resource: string) =>
      authz.check({ principal: roleArn, action, resource }).then((d) => d.allowed);
    const jobArn = (name: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:job/${name}`;

    test('start and follow its Spark job, dbt build and training pipeline, and no others', async () => {
      const job = deployed.ref(deployed.ofType('AWS::Glue::Job')[0]);
      expect(await allowed('glue:StartJobRun', jobArn(job))).toBe(true);
      expect(await allowed('glue:StartJobRun', jobArn('another-job'))).toBe(false);
      const project = deployed.ref(deployed.ofType('AWS::CodeBuild::Project')[0]);
      expect(
        await allowed('codebuild:StartBuild', `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${project}`),
      ).toBe(true);
      expect(
        await allowed('codebuild:StartBuild', `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/other`),
      ).toBe(false);
      const training = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
      expect(await allowed('states:StartExecution', training('acme-dev-churn-training'))).toBe(true);
      expect(await allowed('states:StartExecution', training('acme-dev-other'))).toBe(false);
      expect(await allowed('sns:Publish', `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`)).toBe(true);
    });
  });

  test('the state machine is exposed', () => {
    expect(pipeline.stateMachine).toBeInstanceOf(sfn.StateMachine);
    expect(iam.Role.isRole(pipeline.stateMachine.role)).toBe(true);
  });
});
