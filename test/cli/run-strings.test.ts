import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlenvCommand } from '../support/mlenv-command';

/**
 * The CLI refuses a run-time string out of its grammar while it reads its arguments: before it
 * reads the configuration's environment, asks AWS anything, or starts an execution.
 */
const work = mkdtempSync(join(tmpdir(), 'mlenv-run-strings-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mlenv(...args: string[]) {
  const [file, argv] = mlenvCommand(...args);
  return spawnSync(file, argv, {
    encoding: 'utf8',
    timeout: 60_000,
    // Nowhere to reach: a call to AWS would fail differently (and slowly).
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'none',
      AWS_SECRET_ACCESS_KEY: 'none',
      AWS_REGION: 'eu-west-1',
      AWS_MAX_ATTEMPTS: '1',
    },
  });
}

const NAME_RULE = 'must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit';
const HOSTILE = [
  '../features',
  'v1/../../other',
  'a/b',
  '',
  'x'.repeat(64),
  '%2e%2e',
  '.hidden',
  ' v1',
  'v\u00e9',
];

test.each(HOSTILE.map((v) => [JSON.stringify(v), v]))(
  'mlenv train --dataset-version %s is refused before anything is asked of AWS',
  (_shown, version) => {
    const done = mlenv('train', 'dev', '--model', 'churn', `--dataset-version=${version}`);
    expect(done.status).toBe(1);
    expect(done.stderr).toContain(
      `error: option '--dataset-version <version>' argument '${version}' is invalid. must be a dataset version: 1 to 63`,
    );
    expect(done.stdout).toBe('');
  },
);

test("mlenv train --dataset-version latest is refused: 'latest' names no version", () => {
  const done = mlenv('train', 'dev', '--model', 'churn', '--dataset-version', 'latest');
  expect(done.status).toBe(1);
  expect(done.stderr).toContain("(not 'latest')");
});

test.each([
  ['data', 'ls', 'dev'],
  ['data', 'push', 'dev', work],
])('mlenv %s %s --dataset refuses a dataset out of the grammar', (...command) => {
  writeFileSync(join(work, 'data.csv'), 'a,target\n1,0\n');
  for (const dataset of ['../fraud', 'a/b', '.hidden']) {
    const done = mlenv(...command, `--dataset=${dataset}`);
    expect(done.status).toBe(1);
    expect(done.stderr).toContain(
      `error: option '--dataset <name>' argument '${dataset}' is invalid. ${NAME_RULE}`,
    );
  }
});
