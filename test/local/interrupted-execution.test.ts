import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment } from '../../lib/local/emulator-up';
import { executionArnOf } from '../../lib/local/execution-history';

/**
 * Ctrl-C during an execution's job (`mlenv local train`): the job is stopped and the command exits
 * 130 (at once, or once a handler of the signal has stopped the local environment); the job's
 * promise never settles, so the runner records no end. The execution must not stay RUNNING in the
 * emulator's Step Functions: the emulator ends it ABORTED once the runner's process is gone.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(120_000);

const FIXTURE = join(__dirname, 'interrupted-execution.ts');
const { region, account } = localEnvironment(platformConfig());
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-interrupted-execution-'));
let port: number;
let sfn: SFNClient;
let stateMachineArn: string;

beforeAll(async () => {
  port = (await startEmulator({ stateDir })).port;
  sfn = new SFNClient(emulatorClientConfig(port, region));
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: 'data-pipeline',
      roleArn: `arn:aws:iam::${account}:role/pipeline`,
      definition: JSON.stringify({
        StartAt: 'CleanRawData',
        States: { CleanRawData: { Type: 'Pass', End: true } },
      }),
    }),
  );
  stateMachineArn = created.stateMachineArn!;
});

afterAll(async () => {
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

async function until(condition: () => boolean, ms: number): Promise<void> {
  for (const started = Date.now(); !condition();) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test.each([
  ['SIGINT', ['--other-handler']],
  ['SIGINT', []],
  ['SIGTERM', []],
] as const)(
  '%s to the command %j during a job ends its execution ABORTED, naming the runner, with the states it entered',
  async (signal, extra) => {
    const name = `interrupted-${signal}-${extra.length}`;
    const executionArn = executionArnOf(stateMachineArn, name);
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-interrupt-'));
    const pidsFile = join(dir, 'pids');
    // Its own process group, as a shell's foreground command: the signal goes to the group.
    const command = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        FIXTURE,
        String(port),
        stateMachineArn,
        name,
        join(dir, 'jobs'),
        pidsFile,
        ...extra,
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    command.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    command.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exit = once(command, 'exit');
    try {
      await until(() => existsSync(pidsFile), 60_000);
      expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
      process.kill(-command.pid!, signal);
      expect((await exit)[0]).toBe(130);
      expect(output).not.toContain('not recorded');
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect([described.status, described.error]).toEqual(['ABORTED', 'mlenv.RunnerEnded']);
      expect(described.cause).toContain(`process ${command.pid}`);
      const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const types = events?.map((e) => e.type) ?? [];
      expect(types[0]).toBe('ExecutionStarted');
      expect(types).toContain('TaskStateEntered');
      expect(types.at(-1)).toBe('ExecutionAborted');
    } finally {
      try {
        process.kill(-command.pid!, 'SIGKILL');
      } catch {
        // it exited
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
