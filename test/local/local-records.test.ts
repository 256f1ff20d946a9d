import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateJobCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { recordInEmulator, runRecorded } from '../../lib/local/emulator-records';
import { localEnvironment } from '../../lib/local/emulator-up';
import { executionArnOf, ExecutionHistory } from '../../lib/local/execution-history';
import { codeBuildLog, glueJobRunLogs, sagemakerJobLog } from '../../lib/ops/job-log-locations';
import { JobLines, writeJobLog } from '../../lib/jobs/job-log-streams';
import type { TrainingJobDescription } from '../../lib/jobs/job-requests';
import { interruptedReason } from '../../lib/jobs/running-jobs';
import type { EnvironmentDirectory } from '../../lib/ops/environment-directory';
import { executionJobs, readJobLog, resolveLogTarget } from '../../lib/ops/job-logs';
import { trainingMetrics } from '../../lib/platform/stacks/training-stack';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(120_000);

const config = platformConfig();
const { region, account } = localEnvironment(config);
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-records-'));
const ROLE = `arn:aws:iam::${account}:role/pipeline`;
let port: number;
let clients: {
  sfn: SFNClient;
  sagemaker: SageMakerClient;
  glue: GlueClient;
  logs: CloudWatchLogsClient;
};

/** Starts the emulator (again: it loads what it kept when it stopped) and its clients. */
async function start(): Promise<void> {
  port = (await startEmulator({ stateDir })).port;
  const clientConfig = emulatorClientConfig(port, region);
  clients = {
    sfn: new SFNClient(clientConfig),
    sagemaker: new SageMakerClient(clientConfig),
    glue: new GlueClient(clientConfig),
    logs: new CloudWatchLogsClient(clientConfig),
  };
}

beforeAll(start);

afterAll(async () => {
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

async function stateMachine(name: string): Promise<string> {
  const created = await clients.sfn.send(
    new CreateStateMachineCommand({
      name,
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'Train', States: { Train: { Type: 'Pass', End: true } } }),
    }),
  );
  return created.stateMachineArn!;
}

/** A job's lines as a runner tells them. */
function linesOf(...lines: Array<[string, 'stdout' | 'stderr']>): JobLines {
  const collected = new JobLines();
  for (const [line, stream] of lines) collected.onLog(line, stream);
  return collected;
}

describe.each(config.models.map((m) => [m.name, m]))(
  '%s: what a local run did, in the emulator',
  (_name, model) => {
    const metrics = trainingMetrics(model.problemType);
    const jobName = `${model.name}-train-${Date.now()}`;

    test('a finished execution is listed and described with the ARN it ran under, its input, output and dates', async () => {
      const machine = await stateMachine(`${model.name}-pipeline`);
      const name = `manual-${Date.now()}`;
      const arn = executionArnOf(machine, name);
      // The ARN Step Functions documents: arn:aws:states:<region>:<account>:execution:<machine>:<name>.
      expect(arn).toBe(`arn:aws:states:${region}:${account}:execution:${model.name}-pipeline:${name}`);
      const input = { datasetS3Uri: 's3://raw/x/', datasetVersion: 'v1', reason: 'manual' };
      const history = new ExecutionHistory(arn, machine, input);
      await recordInEmulator(port, {
        kind: 'execution',
        record: history.finish({ status: 'SUCCEEDED', output: { registered: true } }),
      });
      const listed = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
      expect(listed.executions?.map((e) => [e.executionArn, e.name, e.status])).toEqual([
        [arn, name, 'SUCCEEDED'],
      ]);
      const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(JSON.parse(described.input!)).toEqual(input);
      expect(JSON.parse(described.output!)).toEqual({ registered: true });
      expect(described.startDate!.getTime()).toBeLessThanOrEqual(described.stopDate!.getTime());
    });

    test('a failed execution keeps its error and cause; an ARN of another state machine is refused', async () => {
      const machine = await stateMachine(`${model.name}-failing`);
      const arn = executionArnOf(machine, 'failed-1');
      await recordInEmulator(port, {
        kind: 'execution',
        record: new ExecutionHistory(arn, machine, {}).finish({
          status: 'FAILED',
          error: 'QualityGateFailed',
          cause: 'below the gate',
        }),
      });
      const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect([described.status, described.error, described.cause]).toEqual([
        'FAILED',
        'QualityGateFailed',
        'below the gate',
      ]);
      const other = executionArnOf(machine.replace(/:[^:]+$/, ':no-such-machine'), 'x');
      await expect(
        recordInEmulator(port, {
          kind: 'execution',
          record: new ExecutionHistory(other, machine, {}).finish({ status: 'SUCCEEDED' }),
        }),
      ).rejects.toThrow(/HTTP 400/);
    });

    test("the history has each task's entered, scheduled, started, submitted, succeeded and exited events, in order", async () => {
      const machine = await stateMachine(`${model.name}-history`);
      const arn = executionArnOf(machine, 'history-1');
      const history = new ExecutionHistory(arn, machine, {});
      history.stateEvent({ state: 'Train', kind: 'started' });
      history.taskScheduled('sagemaker:createTrainingJob', { TrainingJobName: jobName }, region);
      history.taskSubmitted('sagemaker:createTrainingJob', { TrainingJobArn: 'arn' });
      history.taskSucceeded('sagemaker:createTrainingJob', { TrainingJobStatus: 'Completed' });
      history.stateEvent({ state: 'Train', kind: 'succeeded', durationMs: 5 });
      history.stateEvent({ state: 'Register', kind: 'started' });
      history.stateEvent({
        state: 'Register',
        kind: 'failed',
        error: 'SageMaker.AmazonSageMakerException: AccessDenied: no',
      });
      await recordInEmulator(port, {
        kind: 'execution',
        record: history.finish({ status: 'FAILED', error: 'States.TaskFailed', cause: 'AccessDenied: no' }),
      });
      const { events } = await clients.sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }));
      // The event types of Step Functions' HistoryEvent (API reference), as a Task state records them.
      expect(events?.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'TaskStateEntered',
        'TaskFailed',
        'ExecutionFailed',
      ]);
      expect(events?.map((e) => e.id)).toEqual(events?.map((_, i) => i + 1));
      expect(events?.[0].executionStartedEventDetails?.roleArn).toBe(ROLE);
      const scheduled = events?.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails;
      expect([scheduled?.resourceType, scheduled?.resource, JSON.parse(scheduled!.parameters!)]).toEqual([
        'sagemaker',
        'createTrainingJob',
        { TrainingJobName: jobName },
      ]);
      expect(events?.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
        error: 'SageMaker.AmazonSageMakerException',
        cause: 'AccessDenied: no',
      });
    });

    test('a training job is described with its outcome: status, the configured metrics and their definitions, failure reason, end time', async () => {
      const MetricDefinitions = metrics.map((m) => ({ Name: m.name, Regex: m.regex }));
      const request = {
        TrainingJobName: jobName,
        RoleArn: ROLE,
        AlgorithmSpecification: {
          TrainingImage: 'image',
          TrainingInputMode: 'File' as const,
          MetricDefinitions,
        },
        OutputDataConfig: { S3OutputPath: 's3://models/out/' },
        ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      };
      await clients.sagemaker.send(new CreateTrainingJobCommand(request));
      const ended = new Date();
      const description = {
        ...request,
        TrainingJobArn: `arn:aws:sagemaker:${region}:${account}:training-job/${jobName}`,
        TrainingJobStatus: 'Failed',
        SecondaryStatus: 'Failed',
        FailureReason: 'AlgorithmError: ExecuteUserScriptError: boom',
        FinalMetricDataList: metrics.map((m, i) => ({ MetricName: m.name, Value: i / 10, Timestamp: ended })),
        CreationTime: ended,
        TrainingStartTime: ended,
        TrainingEndTime: ended,
        LastModifiedTime: ended,
        TrainingTimeInSeconds: 3,
        BillableTimeInSeconds: 3,
      } as unknown as TrainingJobDescription;
      await recordInEmulator(port, { kind: 'training-job', record: description });
      const described = await clients.sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: jobName }),
      );
      expect([described.TrainingJobStatus, described.FailureReason]).toEqual([
        'Failed',
        description.FailureReason,
      ]);
      expect(described.FinalMetricDataList?.map((m) => [m.MetricName, m.Value])).toEqual(
        metrics.map((m, i) => [m.name, i / 10]),
      );
      expect(described.AlgorithmSpecification?.MetricDefinitions).toEqual(MetricDefinitions);
      expect(described.TrainingEndTime?.getTime()).toBe(ended.getTime());
      // A job that failed made no model: no ModelArtifacts (moto's made-up one is cleared).
      expect(described.ModelArtifacts).toBeUndefined();
    });

    test("a record may set only what DescribeTrainingJob answers: another member (a method of moto's job object, a request's Tags) is refused and changes nothing", async () => {
      const hostileName = `${jobName}-hostile`;
      await clients.sagemaker.send(
        new CreateTrainingJobCommand({
          TrainingJobName: hostileName,
          RoleArn: ROLE,
          AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' },
          OutputDataConfig: { S3OutputPath: 's3://models/out/' },
          ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
          StoppingCondition: { MaxRuntimeInSeconds: 600 },
        }),
      );
      const before = await clients.sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: hostileName }),
      );
      const record = {
        TrainingJobName: hostileName,
        TrainingJobArn: before.TrainingJobArn,
        TrainingJobStatus: 'Failed',
        ToDict: 'broken',
        Tags: [{ Key: 'a', Value: 'b' }],
      } as unknown as TrainingJobDescription;
      await expect(recordInEmulator(port, { kind: 'training-job', record })).rejects.toThrow(
        "not members of a training-job's description: Tags, ToDict",
      );
      const after = await clients.sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: hostileName }),
      );
      expect(after.TrainingJobStatus).toBe(before.TrainingJobStatus);
    });

    test('a training job stopped by an interrupt is described Stopped, with why, no model and no made-up metrics', async () => {
      const name = `${jobName}-stopped`;
      const request = {
        TrainingJobName: name,
        RoleArn: ROLE,
        AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' as const },
        OutputDataConfig: { S3OutputPath: 's3://models/out/' },
        ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      };
      await clients.sagemaker.send(new CreateTrainingJobCommand(request));
      const ended = new Date();
      const reason = interruptedReason('SIGINT');
      await recordInEmulator(port, {
        kind: 'training-job',
        record: {
          ...request,
          TrainingJobArn: `arn:aws:sagemaker:${region}:${account}:training-job/${name}`,
          TrainingJobStatus: 'Stopped',
          SecondaryStatus: 'Stopped',
          FailureReason: reason,
          FinalMetricDataList: [],
          CreationTime: ended,
          TrainingStartTime: ended,
          TrainingEndTime: ended,
          LastModifiedTime: ended,
        } as unknown as TrainingJobDescription,
      });
      const described = await clients.sagemaker.send(
        new DescribeTrainingJobCommand({ TrainingJobName: name }),
      );
      // DescribeTrainingJob's statuses of a stopped job (TrainingJobStatus and SecondaryStatus).
      expect([described.TrainingJobStatus, described.SecondaryStatus, described.FailureReason]).toEqual([
        'Stopped',
        'Stopped',
        reason,
      ]);
      expect(reason).toContain('SIGINT');
      expect(described.ModelArtifacts).toBeUndefined();
      expect(described.FinalMetricDataList ?? []).toEqual([]);
    });

    test("a job's lines go to SageMaker's stream of it, and mlenv logs finds them from the job's name and from the execution", async () => {
      const started = new Date();
      const destination = sagemakerJobLog('training', jobName, started);
      // SageMaker's naming: /aws/sagemaker/TrainingJobs, stream <job name>/algo-1-<epoch seconds>.
      expect(destination).toEqual({
        logGroupName: '/aws/sagemaker/TrainingJobs',
        logStreamName: `${jobName}/algo-1-${Math.floor(started.getTime() / 1000)}`,
      });
      const metricLines = metrics.map((m, i) => `metric ${m.name}=${i / 10}`);
      await writeJobLog(
        clients.logs,
        [destination],
        linesOf(
          ['train: starting', 'stdout'],
          ['', 'stdout'],
          ...metricLines.map((l) => [l, 'stdout'] as [string, 'stdout']),
        ).lines,
      );
      const machine = await stateMachine(`${model.name}-logs`);
      // A job asked for by name is one of the environment's models' (`<model>-<step>-<run id>`).
      const directory = {
        environment: 'local',
        models: { [model.name]: { pipelineArn: machine } },
      } as unknown as EnvironmentDirectory;
      await expect(resolveLogTarget(clients, { ...directory, models: {} }, jobName)).rejects.toThrow(
        `${jobName} is neither an execution of local's pipelines nor a job of its models`,
      );
      const target = await resolveLogTarget(clients, directory, jobName);
      expect('job' in target && target.job.kind).toBe('training job');
      const byName = await readJobLog(
        clients.logs,
        (target as { job: Parameters<typeof readJobLog>[1] }).job,
      );
      expect(byName.events.map((e) => e.message)).toEqual(['train: starting', ...metricLines]);

      // The same job, found from an execution's history that ran it.
      const arn = executionArnOf(machine, 'logs-1');
      const history = new ExecutionHistory(arn, machine, {});
      history.stateEvent({ state: 'Train', kind: 'started' });
      history.taskScheduled('sagemaker:createTrainingJob', { TrainingJobName: jobName }, region);
      history.taskSucceeded('sagemaker:createTrainingJob', {});
      await recordInEmulator(port, { kind: 'execution', record: history.finish({ status: 'SUCCEEDED' }) });
      const jobs = await executionJobs(clients, arn);
      expect(jobs.map((j) => [j.state, j.kind, j.name])).toEqual([['Train', 'training job', jobName]]);
      expect((await readJobLog(clients.logs, jobs[0])).events.map((e) => e.message)).toEqual([
        'train: starting',
        ...metricLines,
      ]);
    });
  },
);

describe('Glue and CodeBuild logs', () => {
  test("a Glue run's stdout goes to its job's output group and its stderr to the error group, each line once, in the run's stream; a build's to its project's group", async () => {
    const prefix = '/mlenv/local/etl';
    await clients.glue.send(
      new CreateJobCommand({
        Name: 'etl-job',
        Role: ROLE,
        Command: { Name: 'glueetl', ScriptLocation: 's3://assets/etl.py' },
        DefaultArguments: { '--custom-logGroup-prefix': prefix },
      }),
    );
    const runId = 'jr_0123';
    // Glue's documented groups: <prefix>/output and <prefix>/error; the stream is the run's id.
    expect(
      glueJobRunLogs({ '--custom-logGroup-prefix': prefix }, runId).map((d) => [
        d.logGroupName,
        d.logStreamName,
      ]),
    ).toEqual([
      [`${prefix}/output`, runId],
      [`${prefix}/error`, runId],
    ]);
    expect(glueJobRunLogs({}, runId).map((d) => d.logGroupName)).toEqual([
      '/aws-glue/jobs/output',
      '/aws-glue/jobs/error',
    ]);
    await writeJobLog(
      clients.logs,
      glueJobRunLogs({ '--custom-logGroup-prefix': prefix }, runId),
      linesOf(['rows written 10', 'stdout'], ['WARN spark', 'stderr']).lines,
    );
    // CodeBuild: the project's group, the stream named after the build id without `<project>:`.
    const build = codeBuildLog('dbt', 'dbt:1111-2222', { GroupName: '/mlenv/local/dbt' });
    expect(build).toEqual({ logGroupName: '/mlenv/local/dbt', logStreamName: '1111-2222' });
    expect(codeBuildLog('dbt', 'dbt:1111-2222', undefined).logGroupName).toBe('/aws/codebuild/dbt');
    await writeJobLog(clients.logs, [build], linesOf(['dbt build: 3 of 3 OK', 'stdout']).lines);

    const machine = await stateMachine('data-pipeline');
    const arn = executionArnOf(machine, 'data-1');
    const history = new ExecutionHistory(arn, machine, {});
    history.stateEvent({ state: 'CleanRawData', kind: 'started' });
    history.taskScheduled('glue:startJobRun', { JobName: 'etl-job' }, region);
    history.taskSubmitted('glue:startJobRun', { JobRunId: runId });
    history.taskSucceeded('glue:startJobRun', { Id: runId });
    history.stateEvent({ state: 'BuildFeatures', kind: 'started' });
    history.taskScheduled('codebuild:startBuild', { ProjectName: 'dbt' }, region);
    history.taskSubmitted('codebuild:startBuild', {
      Build: {
        Id: 'dbt:1111-2222',
        ProjectName: 'dbt',
        Logs: { GroupName: build.logGroupName, StreamName: build.logStreamName },
      },
    });
    await recordInEmulator(port, {
      kind: 'execution',
      record: history.finish({ status: 'FAILED', error: 'x' }),
    });
    const jobs = await executionJobs(clients, arn);
    expect(jobs.map((j) => [j.state, j.kind, j.name])).toEqual([
      ['CleanRawData', 'Glue job run', runId],
      ['BuildFeatures', 'CodeBuild build', 'dbt:1111-2222'],
    ]);
    const [glue, codebuild] = await Promise.all(jobs.map((j) => readJobLog(clients.logs, j)));
    // Glue 5's groups: output for the script's output, error for Spark's logs (locally on stderr).
    expect(glue.events.map((e) => [e.logGroupName, e.message])).toEqual([
      [`${prefix}/output`, 'rows written 10'],
      [`${prefix}/error`, 'WARN spark'],
    ]);
    expect(codebuild.events.map((e) => e.message)).toEqual(['dbt build: 3 of 3 OK']);
    const groups = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix }));
    expect(groups.logGroups?.map((g) => g.logGroupName).sort()).toEqual([
      `${prefix}/error`,
      `${prefix}/output`,
    ]);
  });
});

describe('an execution while it runs, and one whose runner is gone', () => {
  async function described(executionArn: string) {
    return clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  async function lastEvent(executionArn: string) {
    const { events } = await clients.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    return events?.at(-1);
  }
  const notRecorded = (error: Error) => {
    throw error;
  };

  test.each(config.models.map((m) => [m.name]))(
    '%s: listed RUNNING from its start, with its input and start date and no stop date; then as it ended',
    async (model) => {
      const machine = await stateMachine(`${model}-running`);
      const arn = executionArnOf(machine, 'running-1');
      const input = { datasetS3Uri: `s3://raw/${model}/`, datasetVersion: 'v1', reason: 'manual' };
      const history = new ExecutionHistory(arn, machine, input);
      const ended = await runRecorded(
        port,
        history,
        async () => {
          // What `aws stepfunctions list-executions` and `mlenv logs` see while it runs.
          const listed = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
          expect(listed.executions?.map((e) => [e.executionArn, e.status, e.stopDate])).toEqual([
            [arn, 'RUNNING', undefined],
          ]);
          const running = await described(arn);
          expect([running.status, JSON.parse(running.input!), running.startDate?.getTime()]).toEqual([
            'RUNNING',
            input,
            history.startDate.getTime(),
          ]);
          expect((await lastEvent(arn))?.type).toBe('ExecutionStarted');
          // As it goes on, its history grows: `mlenv logs` finds the jobs it has started so far.
          const job = `${model}-train-running-1`;
          history.stateEvent({ state: 'Train', kind: 'started' });
          history.taskScheduled('sagemaker:createTrainingJob', { TrainingJobName: job }, region);
          const deadline = Date.now() + 10_000;
          let jobs = await executionJobs(clients, arn);
          while (jobs.length === 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            jobs = await executionJobs(clients, arn);
          }
          expect(jobs.map((j) => [j.state, j.kind, j.name])).toEqual([['Train', 'training job', job]]);
          expect((await described(arn)).status).toBe('RUNNING');
          return { status: 'SUCCEEDED' as const, output: { registered: true } };
        },
        notRecorded,
      );
      expect(ended.status).toBe('SUCCEEDED');
      const done = await described(arn);
      expect([done.status, JSON.parse(done.output!)]).toEqual(['SUCCEEDED', { registered: true }]);
      expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate!.getTime());
      // An execution that ended does not run again.
      await expect(recordInEmulator(port, { kind: 'execution', record: history.running() })).rejects.toThrow(
        /HTTP 400.*does not run again/,
      );
    },
  );

  test('a run that throws is recorded FAILED, its error and message as error and cause, and the error thrown on', async () => {
    const machine = await stateMachine('throwing');
    const arn = executionArnOf(machine, 'throws-1');
    const failure = new Error('the definition in the emulator is not the deployed one');
    failure.name = 'DefinitionMismatch';
    await expect(
      runRecorded(port, new ExecutionHistory(arn, machine, {}), () => Promise.reject(failure), notRecorded),
    ).rejects.toBe(failure);
    const failed = await described(arn);
    expect([failed.status, failed.error, failed.cause]).toEqual(['FAILED', failure.name, failure.message]);
    expect((await lastEvent(arn))?.type).toBe('ExecutionFailed');
  });

  test("a runner that is interrupted or killed leaves no RUNNING execution: it ends ABORTED, naming the runner's process", async () => {
    const machine = await stateMachine('interrupted');
    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      const arn = executionArnOf(machine, `interrupted-${signal}`);
      // Another process runs it (as `mlenv local train` does), then is interrupted or killed.
      const runner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      await once(runner, 'spawn');
      const history = new ExecutionHistory(arn, machine, { reason: signal });
      await recordInEmulator(port, {
        kind: 'execution',
        record: history.running({ pid: runner.pid!, startedAt: Date.now() }),
      });
      expect((await described(arn)).status).toBe('RUNNING');
      runner.kill(signal);
      await once(runner, 'exit');
      const aborted = await described(arn);
      expect([aborted.status, aborted.error]).toEqual(['ABORTED', 'mlenv.RunnerEnded']);
      expect(aborted.cause).toContain(`process ${runner.pid}`);
      expect(aborted.stopDate).toBeDefined();
      const last = await lastEvent(arn);
      expect([last?.type, last?.executionAbortedEventDetails?.error]).toEqual([
        'ExecutionAborted',
        'mlenv.RunnerEnded',
      ]);
      const listed = await clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'RUNNING' }),
      );
      expect(listed.executions).toEqual([]);
    }
  });

  test('a live runner keeps its execution RUNNING; a process given its pid later is not it', async () => {
    const machine = await stateMachine('runner-identity');
    const live = executionArnOf(machine, 'live');
    await recordInEmulator(port, {
      kind: 'execution',
      record: new ExecutionHistory(live, machine, {}).running(),
    });
    expect((await described(live)).status).toBe('RUNNING');
    // This process, claimed as a runner that started ten minutes before it did.
    const reused = executionArnOf(machine, 'reused-pid');
    await recordInEmulator(port, {
      kind: 'execution',
      record: new ExecutionHistory(reused, machine, {}).running({
        pid: process.pid,
        startedAt: performance.timeOrigin - 10 * 60_000,
      }),
    });
    expect((await described(reused)).status).toBe('ABORTED');
    expect((await described(live)).status).toBe('RUNNING');
    // StopExecution aborts it as on AWS, with its ExecutionAborted event.
    await clients.sfn.send(new StopExecutionCommand({ executionArn: live }));
    expect([(await described(live)).status, (await lastEvent(live))?.type]).toEqual([
      'ABORTED',
      'ExecutionAborted',
    ]);
  });

  test('a RUNNING execution the emulator kept over a stop and a start ends ABORTED once its runner is gone', async () => {
    const machine = await stateMachine('kept-over-restart');
    const arn = executionArnOf(machine, 'kept-1');
    const runner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    await once(runner, 'spawn');
    await recordInEmulator(port, {
      kind: 'execution',
      record: new ExecutionHistory(arn, machine, {}).running({ pid: runner.pid!, startedAt: Date.now() }),
    });
    // `mlenv local down` keeps the state; the runner is gone by the next `up`.
    await stopEmulator({ stateDir });
    runner.kill('SIGKILL');
    await once(runner, 'exit');
    await start();
    const kept = await described(arn);
    expect([kept.status, kept.error]).toEqual(['ABORTED', 'mlenv.RunnerEnded']);
  });
});
