import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { modelResourceName, platformConfig } from '../../config';
import { REPO_ROOT } from '../../lib/app/cdk-context';
import { EMULATOR_LAUNCHER, emulatorStatus, stopEmulator } from '../../lib/local/emulator';
import { stageStacks } from '../../lib/local/emulator-assembly';
import { deployedAssemblyDir } from '../../lib/local/emulator-deploy';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment, stackStatuses } from '../../lib/local/emulator-up';
import { mlenvCommand } from '../support/mlenv-command';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-local-'));
const env = { ...process.env, MLENV_LOCAL_STATE_DIR: stateDir };

/** Runs the `mlenv` command as a user would (a separate process), in this test's state directory. */
async function mlenv(...args: string[]): Promise<{ stdout: string; ms: number }> {
  const started = Date.now();
  const { stdout } = await promisify(execFile)(...mlenvCommand(...args), {
    cwd: REPO_ROOT,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { stdout, ms: Date.now() - started };
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

afterAll(async () => {
  await stopEmulator({ stateDir }); // also when a test failed
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the emulator launcher', () => {
  test("corrects moto's CloudFormation tags on KMS keys and SSM parameters and keeps the tags", () => {
    const script = `
import sys; sys.path.insert(0, ${JSON.stringify(join(EMULATOR_LAUNCHER, '..'))})
from moto import mock_aws
from moto.kms.models import Key, kms_backends
from moto.ssm.models import Parameter, ssm_backends
import moto_server
moto_server.apply_corrections()
with mock_aws():
    key = Key.create_from_cloudformation_json('K', {'Properties': {'KeyPolicy': {}, 'Tags': [{'Key': 'a', 'Value': 'b'}]}}, '123456789012', 'us-east-1')
    print(kms_backends['123456789012']['us-east-1'].list_resource_tags(key.id))
    Parameter.create_from_cloudformation_json('P', {'Properties': {'Name': '/p', 'Type': 'String', 'Value': 'v', 'Tags': {'a': 'b'}}}, '123456789012', 'us-east-1')
    print(ssm_backends['123456789012']['us-east-1'].list_tags_for_resource('Parameter', '/p'))
`;
    const out = execFileSync(PYTHON, ['-c', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(out).toContain("{'Tags': [{'TagKey': 'a', 'TagValue': 'b'}]}");
    expect(out).toContain("{'a': 'b'}");
  });
});

describe('mlenv local up | status | down', () => {
  const config = platformConfig();
  const local = localEnvironment(config);
  let first: { pid: number; port: number } | undefined;

  test('up deploys every Local stack into the emulator and creates the package groups it skips', async () => {
    const { stdout, ms } = await mlenv('local', 'up');
    console.log(`mlenv local up (emulator started, bootstrap, deploy): ${(ms / 1000).toFixed(1)} s`);
    expect(stdout).toMatch(/✓ cdk deploy 'Local\/\*' \(\d+\.\d s\)/);

    const status = JSON.parse((await mlenv('local', 'status', '--json')).stdout);
    expect(status).toMatchObject({ running: true, pid: expect.any(Number), port: expect.any(Number) });
    first = { pid: status.pid, port: status.port };

    const clientConfig = emulatorClientConfig(status.port, local.region);
    const stacks = stageStacks(deployedAssemblyDir(stateDir), local.stageId).map((s) => s.stackName);
    expect(stacks.length).toBeGreaterThanOrEqual(5);
    const statuses = await stackStatuses(new CloudFormationClient(clientConfig), stacks);
    expect(statuses).toEqual(stacks.map((name) => ({ name, status: 'CREATE_COMPLETE' })));
    expect(status.stacks).toEqual(statuses);

    const sagemaker = new SageMakerClient(clientConfig);
    for (const model of config.models) {
      const name = modelResourceName({ project: config.project, environment: local }, model.name);
      const group = await sagemaker.send(
        new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }),
      );
      expect(group.ModelPackageGroupName).toBe(name);
    }
  }, 240_000);

  test('a second up reuses the running emulator (and deploys a given assembly without synthesizing)', async () => {
    expect(first).toBeDefined();
    const assembly = deployedAssemblyDir(stateDir); // what the first up synthesized
    const { stdout, ms } = await mlenv('local', 'up', '--assembly', assembly);
    console.log(`mlenv local up --assembly (emulator reused): ${(ms / 1000).toFixed(1)} s`);
    expect(stdout).toContain('(no changes)');
    expect(stdout).toContain(`reusing moto on http://127.0.0.1:${first!.port} (pid ${first!.pid})`);
    expect(stdout).not.toContain('cdk bootstrap');
    const status = await emulatorStatus({ stateDir });
    expect({ pid: status.pid, port: status.port }).toEqual(first);
  }, 240_000);

  test('down stops it: nothing listens on its port, status says so', async () => {
    expect(first).toBeDefined();
    const { stdout } = await mlenv('local', 'down');
    expect(stdout).toContain(`stopped the emulator (pid ${first!.pid}, port ${first!.port})`);
    expect(await listens(first!.port)).toBe(false);
    expect(JSON.parse((await mlenv('local', 'status', '--json')).stdout)).toMatchObject({ running: false });
    expect((await mlenv('local', 'down')).stdout).toContain('no emulator was running');
  }, 60_000);

  test('an up that fails stops the emulator it started', async () => {
    const missing = join(stateDir, 'no-such-assembly');
    await expect(mlenv('local', 'up', '--assembly', missing)).rejects.toThrow(/cdk deploy failed/);
    expect(await emulatorStatus({ stateDir })).toEqual({ running: false, stateDir });
    expect(existsSync(join(stateDir, 'emulator.pid'))).toBe(false);
  }, 120_000);

  test('a stale record (its process gone) is cleaned up', async () => {
    writeFileSync(
      join(stateDir, 'emulator.json'),
      JSON.stringify({ pid: 2 ** 22 + 1, port: 1, startedAt: 'then' }),
    );
    expect(await emulatorStatus({ stateDir })).toEqual({ running: false, stateDir });
    expect((await mlenv('local', 'down')).stdout).toContain('no emulator was running');
  }, 60_000);
});
