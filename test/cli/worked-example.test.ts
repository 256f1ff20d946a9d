import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { platformConfig, readDeploymentPins } from '../../config';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorEndpoint } from '../../lib/local/emulator-env';
import { markedBlock } from '../docs/documents';
import { EmulatedEnvironments } from '../support/emulated-environments';
import { mlenvCommand } from '../support/mlenv-command';

/**
 * The documentation's worked example of a model's path to prod (the block after
 * `<!-- example: worked-example -->`, in the operations guide), line by line, through the `mlenv`
 * command as a user runs it (a separate process per line, one AWS profile per account), against
 * the emulator with every environment of the promotion order in its own account.
 */
const config = platformConfig();
const model = config.models.find((m) => m.name === 'churn') ?? config.models[0];
const work = mkdtempSync(join(tmpdir(), 'mlenv-worked-example-'));
const clone = join(work, 'clone');
let port: number;
const cloud = new EmulatedEnvironments(config, () => port);

/** The lines of the marked code block. */
function exampleLines(): string[] {
  return markedBlock('worked-example').lines.filter((line) => line.trim() !== '');
}

/** Words of a command line as a shell splits them (double quotes only, which is all the example uses). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

beforeAll(async () => {
  port = (await startEmulator({ stateDir: join(work, 'emulator') })).port;
  const order = config.promotion.map((name) => cloud.env(name));
  for (const env of order) await cloud.deploy(env);
  await cloud.train(order[0], model, 'run-0001', 'PendingManualApproval');
  // One profile per account, as a user configures them.
  const credentials = await Promise.all(
    order.map(async (env) => {
      const c = await cloud.credentialsOf(env);
      return `[ml-${env.name}]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\naws_session_token = ${c.sessionToken}\n`;
    }),
  );
  writeFileSync(join(work, 'credentials'), credentials.join('\n'));
  writeFileSync(
    join(work, 'config'),
    order.map((e) => `[profile ml-${e.name}]\nregion = ${e.region}\n`).join('\n'),
  );
  mkdirSync(join(clone, 'deployments'), { recursive: true });
  writeFileSync(join(clone, 'deployments', 'README.md'), 'pins\n');
  await run('git init -q && git add . && git commit -qm "pins"');
}, 120_000);
afterAll(async () => {
  await stopEmulator({ stateDir: join(work, 'emulator') });
  rmSync(work, { recursive: true, force: true });
});

async function run(line: string): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-c', line], {
    cwd: clone,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Jane Doe',
      GIT_AUTHOR_EMAIL: 'jane@example.com',
      GIT_COMMITTER_NAME: 'Jane Doe',
      GIT_COMMITTER_EMAIL: 'jane@example.com',
    },
  });
  return stdout;
}

/** `mlenv` as a user runs it: its own process, the profile's credentials, the emulator's endpoint. */
async function mlenv(args: string[]): Promise<unknown> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')),
  );
  const { stdout } = await promisify(execFile)(...mlenvCommand(...args, '--json'), {
    cwd: clone,
    env: {
      ...env,
      AWS_ENDPOINT_URL: emulatorEndpoint(port),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
      AWS_CONFIG_FILE: join(work, 'config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  return JSON.parse(stdout);
}

test("the documentation's worked example takes the model from dev's registry to a pin in prod", async () => {
  const lines = exampleLines();
  expect(lines.some((l) => l.startsWith('npx mlenv promote'))).toBe(true);
  let lastPackages: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    if (!line.startsWith('npx mlenv ')) {
      await run(line);
      continue;
    }
    const args = words(line)
      .slice(2)
      .map((word) => (word === '<package-arn>' ? String(lastPackages[0]?.arn) : word));
    // The pins files of the scratch clone, not this checkout's.
    if (args[0] === 'promote') args.push('--deployments', join(clone, 'deployments'));
    const output = await mlenv(args).catch((error: Error & { stderr?: string }) => {
      throw new Error(`${line}\n${error.stderr ?? error.message}`);
    });
    if (args[0] === 'models') lastPackages = output as typeof lastPackages;
  }

  // Every environment after the first serves a package of its own registry, promoted from the one
  // before it, with the evaluation's metrics and the run's lineage.
  const last = config.promotion.at(-1)!;
  expect(lastPackages).toEqual([
    expect.objectContaining({
      status: 'Approved',
      metrics: { [model.qualityGate.metric]: 0.97 },
      datasetVersion: 'd1',
      promotedFrom: expect.stringContaining(
        `:model-package/${cloud.groupOf(cloud.env(config.promotion.at(-2)!), model.name)}/`,
      ),
    }),
  ]);
  const { pins, problems } = readDeploymentPins(
    join(clone, 'deployments'),
    last,
    config.models.map((m) => m.name),
  );
  expect(problems).toEqual([]);
  expect(pins[model.name].modelPackageArn).toBe(lastPackages[0].arn);
  // Each promotion is its own commit, and nothing is left uncommitted.
  expect(await run('git status --porcelain')).toBe('');
  expect((await run('git log --format=%s')).trim().split('\n')).toEqual([
    `${model.name}: promote to ${last}`,
    `${model.name}: promote to ${config.promotion.at(-2)}`,
    'pins',
  ]);
}, 120_000);
