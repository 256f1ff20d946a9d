import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { platformConfig } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { expectedStackIds } from '../support/platform';

/** The environment of a machine that has never seen AWS: no credentials, no region, no ~/.aws. */
function withoutAws(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')),
  );
  return { ...env, HOME: mkdtempSync(join(tmpdir(), 'mlenv-home-')), CI: 'true' };
}

/** The committed configuration, as `npx cdk synth` without context reads it. */
const config = platformConfig();

describe('npx cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'mlenv-cdk-out-'));
  const run = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
    ['synth', '--quiet', '--no-notices', '--output', out, '-c', 'mlenv:account:dev=444444444444'],
    { cwd: REPO_ROOT, env: withoutAws(), encoding: 'utf8' },
  );

  test('synthesizes every environment without AWS credentials or region', () => {
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const stacks = new CloudAssembly(out).stacksRecursively.map((s) => s.hierarchicalId).sort();
    // Every environment's stacks; with a delivery section, the pipeline beside them and an access
    // stack per delivered environment (docs/guide/accounts-and-delivery.md, "Delivery").
    const delivered = config.environments.filter((env) => config.delivery?.order.includes(env.name));
    expect(stacks).toEqual(
      [
        ...config.environments.flatMap((env) =>
          expectedStackIds(config, env).map((s) => `${env.stageId}/${s}`),
        ),
        ...(config.delivery ? ['Delivery'] : []),
        ...delivered.map((env) => `DeliveryAccess${env.stageId}/Roles`),
      ].sort(),
    );
  });

  test('needs no context lookup (which would need an account and credentials)', () => {
    expect(new CloudAssembly(out).manifest.missing).toBeUndefined();
    expect(run.stderr).not.toMatch(/lookup/i);
  });

  test('says which models an environment does not serve yet, once per environment', () => {
    const notes = run.stderr.split('\n').filter((l) => l.startsWith('mlenv: '));
    const unserved = config.environments
      .map((env) => ({
        env,
        models: config.models.map((m) => m.name).filter((m) => !(m in env.deployments)),
      }))
      .filter(({ models }) => models.length > 0);
    expect(notes).toEqual(
      unserved.map(
        ({ env, models }) =>
          `mlenv: ${env.name} serves no endpoint for ${models.join(', ')} (no pin in deployments/${env.name}.json)`,
      ),
    );
  });

  test('takes an account from CDK context instead of the committed one', () => {
    const dev = new CloudAssembly(out).stacksRecursively.find((s) => s.hierarchicalId === 'Dev/Storage');
    expect(dev?.environment.account).toBe('444444444444');
  });

  test('refuses a bad configuration with the list of problems, not a stack trace', () => {
    const bad = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
      [
        'synth',
        '--quiet',
        '--no-notices',
        '--output',
        mkdtempSync(join(tmpdir(), 'mlenv-bad-')),
        '-c',
        'mlenv:account:prod=42',
      ],
      { cwd: REPO_ROOT, env: withoutAws(), encoding: 'utf8' },
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('prod.account: must be a 12-digit AWS account id');
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });
});
