import '../../lib/local/promise-with-resolvers';
import { join } from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  DATA_PIPELINE_REASON,
  DataCatalog,
  DataPipeline,
  type DataPipelineInput,
  DbtProject,
  SparkJob,
} from '../../constructs';
import { REPO_ROOT } from '../../lib/app/cdk-context';
import { AuthorizationModel } from '../../lib/authorization';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';

type Json = Record<string, any>;
const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
const FEATURES = 's3://acme-dev-curated/features/churn/';

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
  sparkJob,
  dbtProject,
  trainingPipeline,
  featuresS3Uri: FEATURES,
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
const INPUT: DataPipelineInput = {
  rawS3Uri: 's3://acme-dev-raw/churn/2026-11-30T10-00-00Z/',
  datasetVersion: '2026-11-30T10-00-00Z',
  ingestionDate: '2026-11-30',
};

/** Runs the rendered definition locally; each step answered by `handlers` (or succeeding). */
async function execute(handlers: Record<string, (input: Json) => unknown> = {}) {
  const calls: Record<string, Json[]> = {};
  const answer = (name: string, fallback: (input: Json) => unknown) => async (input: unknown) => {
    (calls[name] ??= []).push(input as Json);
    return (handlers[name] ?? fallback)(input as Json) as never;
  };
  const local = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const run = local.run(INPUT as never, {
    overrides: {
      taskResourceLocalHandlers: {
        CleanRawData: answer('CleanRawData', () => ({ Id: 'jr_1', JobRunState: 'SUCCEEDED' })),
        BuildFeatures: answer('BuildFeatures', () => ({
          Build: { Id: 'features:1', BuildStatus: 'SUCCEEDED' },
        })),
        Train: answer('Train', () => ({
          ExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:t:1',
          Status: 'SUCCEEDED',
        })),
        NotifyFailure: answer('NotifyFailure', () => ({ MessageId: 'm-1' })),
      },
      retryIntervalOverrides: { CleanRawData: 0, BuildFeatures: 0, Train: 0 },
    },
    context: {
      Execution: { Id: EXECUTION, Name: 'run-1', Input: INPUT, StartTime: '2026-11-30T10:00:00.000Z' },
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
    let name = definition.StartAt as string;
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
    expect(run.calls.CleanRawData[0].Arguments).toEqual({
      '--raw': INPUT.rawS3Uri,
      '--dataset-version': INPUT.datasetVersion,
      '--ingestion-date': INPUT.ingestionDate,
    });
    expect(run.calls.BuildFeatures[0].EnvironmentVariablesOverride).toEqual([
      { Name: 'MLENV_DATASET_VERSION', Type: 'PLAINTEXT', Value: INPUT.datasetVersion },
    ]);
    const training = JSON.parse(JSON.stringify(run.calls.Train[0].Input));
    expect(training).toMatchObject({
      datasetS3Uri: FEATURES,
      datasetVersion: INPUT.datasetVersion,
      reason: DATA_PIPELINE_REASON,
    });
    expect(run.calls.NotifyFailure).toBeUndefined();
  });

  test.each(STEPS.map(([step]) => step))(
    'a failed %s is notified with its error and fails the run, nothing after it runs',
    async (step) => {
      const run = await execute({ [step]: failure('States.TaskFailed') });
      expect(run.status).toBe('FAILED');
      expect(run.calls.NotifyFailure).toHaveLength(1);
      const message = run.calls.NotifyFailure[0].Message;
      expect(message).toMatchObject({
        execution: EXECUTION,
        datasetVersion: INPUT.datasetVersion,
        error: 'States.TaskFailed',
      });
      const after = STEPS.slice(STEPS.findIndex(([s]) => s === step) + 1).map(([s]) => s);
      for (const later of after) expect(run.calls[later]).toBeUndefined();
    },
  );

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
