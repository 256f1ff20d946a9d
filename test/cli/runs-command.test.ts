import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { runsCommand } from '../../lib/cli/runs-command';
import { configInput, unusedEnvironmentName } from '../support/config-fixtures';

/** Runs `mlenv runs <args>`; resolves with what it printed, rejects with its error. */
async function runs(...args: string[]) {
  let errors = '';
  const command = runsCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: (text) => (errors += text) });
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (error) {
    throw new Error(`${(error as Error).message}${errors ? ` | ${errors.trim()}` : ''}`, { cause: error });
  }
}

const config = platformConfig();
const models = config.models.map((m) => m.name).join(', ');
/** Any configured environment and model: the arguments are refused before either is used. */
const [someEnvironment] = config.environments;
const [someModel] = config.models;

test('an unknown model is refused with the configured ones listed', async () => {
  expect(models.split(', ')).not.toContain('nope');
  await expect(runs(someEnvironment.name, '--model', 'nope')).rejects.toThrow(
    `no model named 'nope' in the configuration (models: ${models})`,
  );
});

test('an unknown environment is refused with the configured ones listed', async () => {
  const unused = unusedEnvironmentName(configInput());
  await expect(runs(unused, '--model', someModel.name)).rejects.toThrow(
    `no environment named '${unused}' in the configuration`,
  );
});

test.each(['0', '-1', '2.5', 'many'])('--max %s is refused', async (max) => {
  await expect(runs(someEnvironment.name, '--max', max)).rejects.toThrow(
    `option '--max <n>' argument '${max}' is invalid. must be a whole number of at least 1`,
  );
});

// Through the command, where the configuration has such an environment (test/tracking/
// environment-tracking.test.ts checks the rule itself on any configuration).
const untracked = config.environments.find((e) => e.name !== 'local' && e.tracking.server === 'none');
if (untracked) {
  test(`an environment with tracking.server 'none' (${untracked.name}) says so, without calling anything`, async () => {
    await expect(runs(untracked.name)).rejects.toThrow(
      `${untracked.name} records no training runs: its configuration sets tracking.server to 'none'`,
    );
  });
}

test('local, with no MLflow server running, says to run mlenv local up', async () => {
  const previous = process.env.MLENV_LOCAL_STATE_DIR;
  process.env.MLENV_LOCAL_STATE_DIR = mkdtempSync(join(tmpdir(), 'mlenv-runs-'));
  try {
    await expect(runs('local')).rejects.toThrow('start the local environment with npx mlenv local up');
  } finally {
    if (previous === undefined) delete process.env.MLENV_LOCAL_STATE_DIR;
    else process.env.MLENV_LOCAL_STATE_DIR = previous;
  }
});
