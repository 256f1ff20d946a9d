import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GlueClient } from '@aws-sdk/client-glue';
import {
  DescribeHyperParameterTuningJobCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { platformConfig } from '../../config';
import type { EnvironmentDirectory } from '../../lib/ops/environment-directory';
import { executionJobs, resolveLogTarget } from '../../lib/ops/job-logs';

const sfn = mockClient(SFNClient);
const sagemaker = mockClient(SageMakerClient);
const glue = mockClient(GlueClient);
const logs = mockClient(CloudWatchLogsClient);
afterEach(() => [sfn, sagemaker, glue, logs].forEach((c) => c.reset()));
const clients = { sfn, sagemaker, glue, logs } as never;

const config = platformConfig();
const EXECUTION = 'arn:aws:states:eu-west-1:111111111111:execution:Dev-Data-Pipeline:manual-1';

describe('a CodeBuild build of an execution: its log is where CodeBuild describes it', () => {
  // A build id is `<project>:<uuid>`; CodeBuild names the build's stream after the uuid, under the
  // project's stream prefix when it configures one (CloudWatchLogsConfig.streamName).
  const project = 'Dev-Data-BuildFeatures';
  const uuid = '6a8b3f1e-0c2d-4e5f-9a7b-1c2d3e4f5a6b';
  const id = `${project}:${uuid}`;
  // A group the stacks' projects log to: a CloudFormation-generated name (`<stack>-<logical id>-<suffix>`).
  const group = 'Dev-Data-BuildFeaturesLogs1F3C2B7A-Xk2Qw9Ep1Lm3';

  /** The history of a `codebuild:startBuild.sync` task, as Step Functions records it. */
  function history(...answers: HistoryEvent[]): HistoryEvent[] {
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: new Date() },
      {
        id: 2,
        previousEventId: 1,
        type: 'TaskStateEntered',
        timestamp: new Date(),
        stateEnteredEventDetails: { name: 'BuildFeatures' },
      },
      {
        id: 3,
        previousEventId: 2,
        type: 'TaskScheduled',
        timestamp: new Date(),
        taskScheduledEventDetails: {
          resourceType: 'codebuild',
          resource: 'startBuild.sync',
          region: 'eu-west-1',
          parameters: JSON.stringify({ ProjectName: project }),
        },
      },
      ...answers,
    ];
    return events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i }));
  }
  const submitted = (build: object): HistoryEvent => ({
    id: 0,
    previousEventId: 0,
    type: 'TaskSubmitted',
    timestamp: new Date(),
    taskSubmittedEventDetails: {
      resourceType: 'codebuild',
      resource: 'startBuild.sync',
      output: JSON.stringify({ Build: build }),
    },
  });
  const succeeded = (build: object): HistoryEvent => ({
    id: 0,
    previousEventId: 0,
    type: 'TaskSucceeded',
    timestamp: new Date(),
    taskSucceededEventDetails: {
      resourceType: 'codebuild',
      resource: 'startBuild.sync',
      output: JSON.stringify({ Build: build }),
    },
  });

  async function streamsOf(events: HistoryEvent[]) {
    sfn.on(GetExecutionHistoryCommand).resolves({ events });
    const jobs = await executionJobs(clients, EXECUTION);
    expect(jobs.map((j) => [j.state, j.kind, j.name])).toEqual([['BuildFeatures', 'CodeBuild build', id]]);
    return jobs[0].streams;
  }

  test("StartBuild's answer before the build logs: the project's configured group, the stream under its prefix", async () => {
    // LogsLocation.cloudWatchLogs is the project's CloudWatchLogsConfig: groupName, streamName (a prefix).
    const started = {
      Id: id,
      ProjectName: project,
      BuildStatus: 'IN_PROGRESS',
      Logs: { CloudWatchLogs: { Status: 'ENABLED', GroupName: group, StreamName: 'dbt' } },
    };
    expect(await streamsOf(history(submitted(started)))).toEqual([
      { logGroupName: group, logStreamNamePrefix: `dbt/${uuid}` },
    ]);
    const noPrefix = { ...started, Logs: { CloudWatchLogs: { Status: 'ENABLED', GroupName: group } } };
    expect(await streamsOf(history(submitted(noPrefix)))).toEqual([
      { logGroupName: group, logStreamNamePrefix: uuid },
    ]);
  });

  test("the .sync task's outcome (BatchGetBuilds' build): its LogsLocation's groupName and streamName", async () => {
    const started = { Id: id, ProjectName: project, Logs: {} };
    const finished = {
      Id: id,
      ProjectName: project,
      BuildStatus: 'SUCCEEDED',
      Logs: {
        GroupName: group,
        StreamName: uuid,
        CloudWatchLogsArn: `arn:aws:logs:eu-west-1:111111111111:log-group:${group}:log-stream:${uuid}`,
        CloudWatchLogs: { Status: 'ENABLED', GroupName: group },
      },
    };
    expect(await streamsOf(history(submitted(started), succeeded(finished)))).toEqual([
      { logGroupName: group, logStreamNamePrefix: uuid },
    ]);
    // A failed build: Step Functions' cause is the build's description.
    const failed: HistoryEvent = {
      id: 0,
      previousEventId: 0,
      type: 'TaskFailed',
      timestamp: new Date(),
      taskFailedEventDetails: {
        resourceType: 'codebuild',
        resource: 'startBuild.sync',
        error: 'States.TaskFailed',
        cause: JSON.stringify({ Build: { ...finished, BuildStatus: 'FAILED' } }),
      },
    };
    expect(await streamsOf(history(submitted(started), failed))).toEqual([
      { logGroupName: group, logStreamNamePrefix: uuid },
    ]);
  });

  test("a build that tells nothing of its logs: CodeBuild's default group, /aws/codebuild/<project>", async () => {
    expect(await streamsOf(history(submitted({ Id: id, ProjectName: project })))).toEqual([
      { logGroupName: `/aws/codebuild/${project}`, logStreamNamePrefix: uuid },
    ]);
    // The API's own casing (an SDK integration's answer) reads the same.
    expect(
      await streamsOf(
        history(
          submitted({
            id,
            projectName: project,
            logs: { groupName: group, streamName: uuid },
          }),
        ),
      ),
    ).toEqual([{ logGroupName: group, logStreamNamePrefix: uuid }]);
  });
});

describe.each(config.environments.map((e) => [e.name]))(
  "%s: a job asked for by name is one of the environment's models",
  (environment) => {
    const directory = {
      environment,
      models: Object.fromEntries(
        config.models.map((m) => [
          m.name,
          {
            pipelineArn: `arn:aws:states:eu-west-1:111111111111:stateMachine:${m.name}`,
            packageGroup: m.name,
          },
        ]),
      ),
    } as unknown as EnvironmentDirectory;
    beforeEach(() => sfn.on(ListExecutionsCommand).resolves({ executions: [] }));

    test.each(config.models.map((m) => [m.name]))(
      "%s: its pipeline's jobs (<model>-<step>-<run id>) are described as the kind SageMaker runs them as",
      async (model) => {
        sagemaker.on(DescribeTrainingJobCommand).resolves({});
        sagemaker.on(DescribeProcessingJobCommand).resolves({});
        // The training pipeline's states: a training job trains, processing jobs do the rest.
        for (const [step, kind] of [
          ['train', 'training job'],
          ['preprocess', 'processing job'],
          ['evaluate', 'processing job'],
          ['baseline', 'processing job'],
        ] as const) {
          const name = `${model}-${step}-manual-20261207T120000-a1b2c3`;
          const target = await resolveLogTarget(clients, directory, name);
          expect('job' in target && [target.job.kind, target.job.streams[0].logGroupName]).toEqual([
            kind,
            kind === 'training job' ? '/aws/sagemaker/TrainingJobs' : '/aws/sagemaker/ProcessingJobs',
          ]);
        }
      },
    );

    test("another team's job, another model's, or a model's name alone is refused in one line, before any job is described", async () => {
      const models = new Set(config.models.map((m) => m.name));
      const others = [
        'team-x-train-20261207',
        `${[...models].join('')}-unknown-train-1`,
        `${config.models[0].name}-train-`,
        `${config.models[0].name}-predict-1`,
      ].filter((n) => !models.has(n));
      for (const name of others) {
        const refused = resolveLogTarget(clients, directory, name);
        await expect(refused).rejects.toThrow(
          new RegExp(
            `^${name} is neither an execution of ${environment}'s pipelines nor a job of its models`,
          ),
        );
        await expect(refused).rejects.toThrow(/^[^\n]+$/);
      }
      expect(sagemaker.calls()).toHaveLength(0);
    });
  },
);

describe.each(config.environments.map((e) => [e.name]))(
  "%s: an execution's logs are read only from the environment's pipelines' executions, each once",
  (environment) => {
    // State machine and execution ARNs as Step Functions forms them (arn:...:stateMachine:<name>,
    // arn:...:execution:<state machine name>:<execution name>).
    const stateMachine = (name: string) => `arn:aws:states:eu-west-1:111111111111:stateMachine:${name}`;
    const execution = (machine: string, name: string) =>
      `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
    const directory = {
      environment,
      models: Object.fromEntries(
        config.models.map((m) => [
          m.name,
          {
            pipelineArn: stateMachine(`${environment}-${m.name}-Pipeline`),
            dataPipelineArn: stateMachine(`${environment}-${m.name}-DataPipeline`),
            packageGroup: m.name,
          },
        ]),
      ),
    } as unknown as EnvironmentDirectory;
    const ownExecutions = Object.values(directory.models).flatMap((m) => [
      execution(m.pipelineArn, 'manual-1'),
      execution(m.dataPipelineArn!, 'manual-1'),
    ]);
    const foreign = [
      execution(stateMachine('team-x-Pipeline'), 'manual-1'),
      // Another environment's state machine whose name starts with one of this one's.
      execution(`${Object.values(directory.models)[0].pipelineArn}-Other`, 'manual-1'),
      execution(
        Object.values(directory.models)[0].pipelineArn.replace('111111111111', '222222222222'),
        'manual-1',
      ),
    ];

    /** A history whose one Task state started `child` (states:startExecution.sync:2), as Step Functions records it. */
    function startedExecution(child: string): HistoryEvent[] {
      return [
        { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: new Date() },
        {
          id: 2,
          previousEventId: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Train' },
        },
        {
          id: 3,
          previousEventId: 2,
          type: 'TaskScheduled',
          timestamp: new Date(),
          taskScheduledEventDetails: {
            resourceType: 'states',
            resource: 'startExecution.sync:2',
            region: 'eu-west-1',
            parameters: JSON.stringify({ StateMachineArn: child.split(':').slice(0, -1).join(':') }),
          },
        },
        {
          id: 4,
          previousEventId: 3,
          type: 'TaskSubmitted',
          timestamp: new Date(),
          taskSubmittedEventDetails: {
            resourceType: 'states',
            resource: 'startExecution.sync:2',
            output: JSON.stringify({ ExecutionArn: child, StartDate: 1765108800000 }),
          },
        },
      ];
    }

    test("an execution ARN of the environment's pipelines is taken as it is", async () => {
      for (const arn of ownExecutions)
        expect(await resolveLogTarget(clients, directory, arn)).toEqual({ executionArn: arn });
    });

    test('an execution ARN of another state machine is refused in one line, before any history is read', async () => {
      for (const arn of foreign) {
        const refused = resolveLogTarget(clients, directory, arn);
        await expect(refused).rejects.toThrow(
          new RegExp(
            `^${arn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an execution of ${environment}'s pipelines`,
          ),
        );
        await expect(refused).rejects.toThrow(/^[^\n]+$/);
        await expect(executionJobs(clients, arn, directory)).rejects.toThrow(/^[^\n]+$/);
      }
      expect(sfn.calls()).toHaveLength(0);
    });

    test('a history that names its own execution, or an ancestor, as the one it started ends: each history is read once', async () => {
      for (const arn of ownExecutions) {
        sfn.reset();
        sfn.on(GetExecutionHistoryCommand).resolves({ events: startedExecution(arn) });
        expect(await executionJobs(clients, arn, directory)).toEqual([]);
        expect(await executionJobs(clients, arn)).toEqual([]);
        expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(2);
      }
      const [parent, child] = ownExecutions;
      sfn.reset();
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: parent })
        .resolves({ events: startedExecution(child) });
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: child })
        .resolves({ events: startedExecution(parent) });
      expect(await executionJobs(clients, parent, directory)).toEqual([]);
      expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.executionArn)).toEqual([
        parent,
        child,
      ]);
    });

    test("an execution started by one of the environment's that is not the environment's is refused in one line, its history unread", async () => {
      const [parent] = ownExecutions;
      for (const arn of foreign) {
        sfn.reset();
        sfn
          .on(GetExecutionHistoryCommand, { executionArn: parent })
          .resolves({ events: startedExecution(arn) });
        const refused = executionJobs(clients, parent, directory);
        await expect(refused).rejects.toThrow(`${arn} is not an execution of ${environment}'s pipelines`);
        await expect(refused).rejects.toThrow(/^[^\n]+$/);
        expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.executionArn)).toEqual(
          [parent],
        );
      }
    });
  },
);

// CreateHyperParameterTuningJob: the tuning job's name is "the prefix for the names of all training
// jobs that this tuning job launches"; SageMaker logs each training job to /aws/sagemaker/TrainingJobs
// in streams named `<job name>/<host>-<epoch>`.
describe("a tuning job of an execution: its trials' logs", () => {
  const name = 'churn-tune-0123456789abcdef012';

  test("are the training jobs' streams that start with the tuning job's name", async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: new Date() },
        {
          id: 2,
          previousEventId: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'Tune' },
        },
        {
          id: 3,
          previousEventId: 2,
          type: 'TaskScheduled',
          timestamp: new Date(),
          taskScheduledEventDetails: {
            resourceType: 'sagemaker',
            resource: 'createHyperParameterTuningJob.sync',
            region: 'eu-west-1',
            parameters: JSON.stringify({ HyperParameterTuningJobName: name }),
          },
        },
      ],
    });
    const jobs = await executionJobs(clients, EXECUTION);
    expect(jobs).toEqual([
      expect.objectContaining({
        state: 'Tune',
        kind: 'training job',
        name,
        streams: [{ logGroupName: '/aws/sagemaker/TrainingJobs', logStreamNamePrefix: `${name}-` }],
      }),
    ]);
  });

  test.each(config.models.map((m) => m.name))(
    "a trial of model %s is one of its models' jobs, by name",
    async (model) => {
      const trial = `${model}-tune-0123456789-001-0123abcd`;
      sagemaker
        .on(DescribeTrainingJobCommand, { TrainingJobName: trial })
        .resolves({ TrainingJobName: trial });
      const directory = { environment: 'dev', models: { [model]: {} } } as unknown as EnvironmentDirectory;
      expect(await resolveLogTarget(clients, directory, trial)).toEqual({
        job: {
          kind: 'training job',
          name: trial,
          streams: [{ logGroupName: '/aws/sagemaker/TrainingJobs', logStreamNamePrefix: `${trial}/` }],
        },
      });
    },
  );
});

test.each(config.models.map((m) => m.name))(
  "model %s's tuning job, by its name: its trials' logs (the streams that start with its name)",
  async (model) => {
    const name = `${model}-tune-0123456789`;
    sagemaker
      .on(DescribeHyperParameterTuningJobCommand, { HyperParameterTuningJobName: name })
      .resolves({ HyperParameterTuningJobName: name });
    const directory = { environment: 'dev', models: { [model]: {} } } as unknown as EnvironmentDirectory;
    expect(await resolveLogTarget(clients, directory, name)).toEqual({
      job: {
        kind: 'training job',
        name,
        streams: [{ logGroupName: '/aws/sagemaker/TrainingJobs', logStreamNamePrefix: `${name}-` }],
      },
    });
  },
);
