import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../config/repo-root';
import { consoleSteps } from '../../../lib/cli/steps';
import { formatTrainResult } from '../../../lib/cli/train-output';
import { BuildFailed, runCodeBuild } from '../../../lib/tools/integrations/codebuild-build/local-build';
import { GlueJobFailed, runGlueJob } from '../../../lib/tools/integrations/glue-job-run/local-run';
import type { CreateTrainingJobRequest } from '../../../lib/jobs/job-requests';
import { runProcessingJob } from '../../../lib/tools/integrations/sagemaker-job/processing-job';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { syncTaskOutput } from '../../../lib/tools/integrations/sagemaker-job/sync-task';
import { runTrainingJob } from '../../../lib/tools/integrations/sagemaker-job/training-job';
import type { LocalTrainResult } from '../../../lib/local/local-train';
import { stateMachineDefinition } from '../../../cfn/template-intrinsics';
import { failureCause, formatStateEnded } from '../../../lib/ops/training-runs';
import { deterministicTarGz } from '../../../cfn/deterministic-tar';
import { pascalCase } from '../../../cfn/pascal-case';
import { platformAssembly } from '../../support/platform';
import { BUILD_SOURCE, storeWithBuildSource } from './build-source';
import { renderedTrainingRequest } from '../../support/rendered-training-request';

type Json = Record<string, any>;
const { assembly, config } = platformAssembly();
const workDir = mkdtempSync(join(tmpdir(), 'mlenv-failure-cause-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** How a local execution tells a failed task (authorized-execution: `<error name>: <message>`). */
const taskError = (error: Error) => `${error.name}: ${error.message}`;

describe("a failed ETL (the data pipeline's Spark job) tells the script's own error line, then its log", () => {
  const ETL = readFileSync(join(REPO_ROOT, 'ml', 'data', 'etl.py'));
  const GRAMMAR = readFileSync(join(REPO_ROOT, 'constructs', 'common', 'run-string-grammar.json'), 'utf8');

  /** Runs etl.py as the local Glue runner does, on one raw CSV; returns how it failed. */
  async function failedEtl(csv: string): Promise<GlueJobFailed> {
    const store = new MemoryObjectStore();
    await store.put('s3://scripts/etl.py', ETL);
    await store.put('s3://raw/dataset/v1/data.csv', csv);
    const run = runGlueJob(
      {
        name: 'etl',
        scriptLocation: 's3://scripts/etl.py',
        defaultArguments: { '--run-string-grammar': GRAMMAR },
        timeoutMinutes: 10,
      },
      {
        '--raw': 's3://raw/dataset/v1/',
        '--curated': 's3://curated/dataset/',
        '--quarantine': 's3://quarantine/dataset/',
        '--dataset-version': 'v1',
      },
      { store, workDir, awsEnvironment: { HOME: process.env.HOME ?? '/tmp' } },
    );
    const error: unknown = await run.then(
      () => undefined,
      (failed: unknown) => failed,
    );
    expect(error).toBeInstanceOf(GlueJobFailed);
    return error as GlueJobFailed;
  }

  // The messages etl.py raises for these inputs (its EtlError), printed as `error: <message>`.
  test.each([
    ['Age Years,target\n1,0\n', "error: column names must be lowercase letters, digits and _: 'Age Years'"],
    ['a,b\n1,2\n', "error: the target column 'target' is not in the header (a, b)"],
  ])('%j', async (csv, line) => {
    const error = await failedEtl(csv);
    const [first, second] = error.message.split('\n');
    expect(first).toBe(line);
    expect(second).toMatch(/^etl exited with status 2; full log: \S+\.log$/);
    // The log kept is all the script wrote, Spark's output too; the job's folder is gone.
    const log = failureCause(error.name, error.message).log!;
    expect(readFileSync(log, 'utf8')).toContain('Setting default log level to "WARN".');
    expect(readFileSync(log, 'utf8')).toContain(line);
    expect(existsSync(log.replace(/\.log$/, ''))).toBe(false);

    // Shown as a failure already, without the script's `error: `.
    const shown = formatStateEnded({ state: 'CleanRawData', status: 'failed', seconds: 9 }, taskError(error));
    expect(shown.split('\n')).toEqual([
      `✗ CleanRawData   9.0 s  ${line.replace(/^error: /, '')}`,
      `      full log: ${log}`,
    ]);
  });
});

describe.each(config.models.map((m) => [m.name]))(
  "%s: a failed training job tells the script's exception, not the job's description",
  (name) => {
    const id = pascalCase(name);
    const definition = stateMachineDefinition(assembly, `Local/${id}Model`, `${id}Pipeline/StateMachine`);
    // A train.py that fails as a script does: output, then an exception it raises.
    const TRAIN = 'print("reading the train channel")\nraise ValueError("the target column has one class")\n';
    const LINE = 'ValueError: the target column has one class';
    let failure: Error;

    /**
     * Runs the model's training job (Train's, or a trial of its Tune) with `train` as its script;
     * returns its description.
     */
    async function failedTraining(train: string) {
      const params = renderedTrainingRequest(definition.States as Json, 'f'.repeat(32));
      const code = params.InputDataConfig.find((c: Json) => c.ChannelName === 'code');
      code.DataSource.S3DataSource.S3Uri = 's3://code/failing.tar.gz';
      params.HyperParameters.sagemaker_submit_directory = '/opt/ml/input/data/code/failing.tar.gz';
      const request = params as CreateTrainingJobRequest;
      const store = new MemoryObjectStore();
      await store.put(
        's3://code/failing.tar.gz',
        deterministicTarGz([
          { name: request.HyperParameters!.sagemaker_program, content: Buffer.from(train) },
        ]),
      );
      for (const channel of request.InputDataConfig!.filter((c) => c.ChannelName !== 'code')) {
        await store.put(`${channel.DataSource.S3DataSource.S3Uri}data.csv`, 'a,target\n1,0\n');
      }
      const { description } = await runTrainingJob(request, { store, workDir });
      expect(description.TrainingJobStatus).toBe('Failed');
      return description;
    }

    beforeAll(async () => {
      const description = await failedTraining(TRAIN);
      // As the training toolkit reports it: the script's error line is the ErrorMessage.
      expect(description.FailureReason).toContain(`\nErrorMessage "${LINE}"\n`);
      failure = (() => {
        try {
          syncTaskOutput(description);
        } catch (error) {
          return error as Error;
        }
        throw new Error('the task did not fail');
      })();
    });

    test('a script killed by SIGKILL (the OOM killer) is told killed, with the exit code a container has', async () => {
      // A library's warning on stderr, then the kernel's kill: the warning is not why it stopped.
      const killed = [
        'import os, sys',
        'print("FutureWarning: this default will change", file=sys.stderr, flush=True)',
        'os.kill(os.getpid(), 9)',
        '',
      ].join('\n');
      const description = await failedTraining(killed);
      // 128 + 9, as Docker and a shell report a process SIGKILL ended.
      expect(description.FailureReason).toContain(
        'ExecuteUserScriptError:\nExitCode 137\nErrorMessage "killed by SIGKILL (out of memory?)"\n',
      );
    });

    test('the Train state: the exception on its line, then the log (which has the traceback)', () => {
      const cause = failureCause(failure.name, failure.message);
      expect(cause.line).toBe(LINE);
      expect(readFileSync(cause.log!, 'utf8')).toContain('Traceback (most recent call last):');
      expect(formatStateEnded({ state: 'Train', status: 'failed', seconds: 2 }, taskError(failure))).toBe(
        `✗ Train          2.0 s  ${LINE}\n      full log: ${cause.log}`,
      );
    });

    test("the data pipeline's Train (the training execution, a child of .sync:2) tells the same", () => {
      // As Step Functions reports a failed child execution: its status, error and cause.
      const child = JSON.stringify({
        ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:training:run',
        Status: 'FAILED',
        Error: failure.name,
        Cause: failure.message,
      });
      expect(failureCause('States.TaskFailed', child)).toEqual(failureCause(failure.name, failure.message));
    });

    test("the run's summary: the exception and the log, not the description", () => {
      const result = {
        model: name,
        executionName: 'manual-run',
        input: { datasetS3Uri: 's3://raw/v1/', datasetVersion: 'v1', reason: 'manual' },
        status: 'FAILED',
        error: failure.name,
        cause: failure.message,
        states: [],
        metrics: {},
        checkedCalls: [],
        record: { jobs: {}, published: [], registered: [], tuningJobs: {} },
      } as unknown as LocalTrainResult;
      const summary = formatTrainResult(result).split('\n');
      expect(summary).toContain(`  error     ${LINE}`);
      expect(summary).toContain(`  log       ${failureCause(failure.name, failure.message).log}`);
      expect(summary.every((line) => line.length < 300)).toBe(true);
    });
  },
);

test("a failed processing job tells its script's error line, not its description", async () => {
  const { description } = await runProcessingJob(
    {
      ProcessingJobName: 'preprocess-1',
      RoleArn: 'arn:aws:iam::123456789012:role/jobs',
      // A container whose script says why it stops, as the ml/ scripts do, and exits 2.
      AppSpecification: {
        ImageUri: 'example.com/image:1',
        ContainerEntrypoint: ['sh', '-c', 'echo reading; echo "error: the input has no rows" >&2; exit 2'],
      },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large' } },
    },
    { store: new MemoryObjectStore(), workDir },
  );
  expect(description.ProcessingJobStatus).toBe('Failed');
  let failure: Error | undefined;
  try {
    syncTaskOutput(description);
  } catch (error) {
    failure = error as Error;
  }
  const cause = failureCause(failure!.name, failure!.message);
  expect(cause.line).toBe('the input has no rows');
  expect(readFileSync(cause.log!, 'utf8')).toContain('reading\n');
});

test('a Glue job killed by a signal says so, and exits with the status a shell reports (128 + n)', async () => {
  const store = new MemoryObjectStore();
  await store.put(
    's3://scripts/killed.py',
    'import os, sys\nprint("FutureWarning: a warning", file=sys.stderr, flush=True)\nos.kill(os.getpid(), 9)\n',
  );
  const error: unknown = await runGlueJob(
    { name: 'etl', scriptLocation: 's3://scripts/killed.py', defaultArguments: {}, timeoutMinutes: 5 },
    {},
    { store, workDir, awsEnvironment: { HOME: process.env.HOME ?? '/tmp' } },
  ).then(
    () => undefined,
    (failed: unknown) => failed,
  );
  expect(error).toBeInstanceOf(GlueJobFailed);
  const [first, second] = (error as GlueJobFailed).message.split('\n');
  expect(first).toBe('killed by SIGKILL (out of memory?)');
  expect(second).toMatch(/^etl exited with status 137; full log: \S+\.log$/);
});

test("a failed build (CodeBuild) tells the failed command's own error line, then its log", async () => {
  const store = await storeWithBuildSource(workDir);
  const build = runCodeBuild(
    {
      name: 'features',
      source: BUILD_SOURCE,
      // The second command fails as `ls` does: its own message on stderr, status 2.
      buildSpec: JSON.stringify({
        version: '0.2',
        phases: { build: { commands: ['echo building', 'ls no-such-dir'] } },
      }),
      environmentVariables: {},
      timeoutMinutes: 5,
    },
    {},
    { store, workDir, awsEnvironment: {} },
  );
  const error: unknown = await build.then(
    () => undefined,
    (failed: unknown) => failed,
  );
  expect(error).toBeInstanceOf(BuildFailed);
  const [first, second] = (error as BuildFailed).message.split('\n');
  expect(first).toBe("ls: cannot access 'no-such-dir': No such file or directory");
  expect(second).toMatch(/^features exited with status 2; full log: \S+\.log$/);
  expect(
    readFileSync(failureCause('States.TaskFailed', (error as BuildFailed).message).log!, 'utf8'),
  ).toContain('building\n');
});

test('an error other than States.TaskFailed is named; a cause without a job is its first line', () => {
  expect(failureCause('States.Runtime', 'AccessDenied: role is not authorized\nmore')).toEqual({
    line: 'States.Runtime: AccessDenied: role is not authorized',
  });
  expect(failureCause('NoDatasetVersion', undefined)).toEqual({ line: 'NoDatasetVersion' });
});

test('a step whose execution failed is marked ✗, though it returned', async () => {
  const lines: string[] = [];
  const steps = consoleSteps((line) => lines.push(line));
  const failed = { status: 'FAILED', error: 'States.TaskFailed' };
  expect(await steps.step('execution run-1', async () => failed)).toBe(failed);
  await steps.step('execution run-2', async () => ({ status: 'SUCCEEDED' }));
  expect(lines.map((line) => line.replace(/\(.*\)/, '(…)'))).toEqual([
    '▸ execution run-1',
    '✗ execution run-1 (…)',
    '▸ execution run-2',
    '✓ execution run-2 (…)',
  ]);
});
