import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { emulatorBackend } from '../../lib/local/emulator-backend';
import { localEnvironment } from '../../lib/local/emulator-up';
import { ExecutionHistory } from '../../lib/local/execution-history';
import type { LocalDeployment } from '../../lib/local/local-deployment';

/**
 * A Glue task's run is visible from its start: Step Functions records `glue:startJobRun`'s
 * TaskSubmitted (its output has the `JobRunId`) as soon as StartJobRun answers, long before the
 * run ends, so an execution interrupted while Spark runs names its run (`mlenv logs`).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const config = platformConfig();
const { region } = localEnvironment(config);
const s3 = mockClient(S3Client);
let stateDir: string;
beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'mlenv-glue-submitted-'))));
afterEach(() => {
  s3.reset();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A local deployment with one Glue job, whose clients are mocks (no emulator: port 1 refuses). */
function deploymentWithGlueJob(jobName: string): LocalDeployment {
  const job = {
    type: 'AWS::Glue::Job',
    stage: 'stage',
    properties: { Command: { ScriptLocation: 's3://assets/etl.py' }, DefaultArguments: {}, Timeout: 5 },
  };
  return {
    port: 1,
    stage: 'stage',
    stateDir,
    env: { region },
    clients: { s3: new S3Client({ region }), sagemaker: {}, sns: {}, glue: {} },
    authz: {
      inventory: {
        deployed: { ofType: (type: string) => (type === job.type ? [job] : []), ref: () => jobName },
      },
    },
  } as unknown as LocalDeployment;
}

test('the run id is in the history (TaskSubmitted) while the run is still starting, and the same id names its failure', async () => {
  const jobName = `${config.project}-local-etl`;
  let failScriptDownload: (error: Error) => void = () => undefined;
  s3.on(GetObjectCommand).callsFake(() => new Promise((_resolve, reject) => (failScriptDownload = reject)));
  const history = new ExecutionHistory('arn:exec', 'arn:machine', {});
  history.stateEvent({ state: 'CleanRawData', kind: 'started' });
  const { backend } = emulatorBackend(deploymentWithGlueJob(jobName), {
    history,
    workDir: join(stateDir, 'jobs'),
  });
  const answered = backend('glue:startJobRun', { JobName: jobName }, 'CleanRawData');
  // The run waits for its script: it has not ended, and its id is already told.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const submitted = history.running().events.filter((e) => e.type === 'TaskSubmitted');
  expect(submitted).toHaveLength(1);
  const details = submitted[0].taskSubmittedEventDetails as { resource: string; output: string };
  expect(details.resource).toBe('startJobRun');
  // Glue's run ids: jr_ and 64 hex digits.
  const { JobRunId } = JSON.parse(details.output) as { JobRunId: string };
  expect(JobRunId).toMatch(/^jr_[0-9a-f]{64}$/);

  failScriptDownload(Object.assign(new Error('no script'), { name: 'NoSuchKey' }));
  await expect(answered).rejects.toThrow();
  const types = history.running().events.map((e) => e.type);
  // One submission only: the failure is of the run already named.
  expect(types.filter((t) => t === 'TaskSubmitted')).toHaveLength(1);
  expect(types.at(-1)).toBe('TaskFailed');
});
