import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../../config/environments';
import { loadConfig, type MlEnvConfig } from '../../config';

/** The committed configuration, without pins: where each environment is. */
const committed = loadConfig(environments);

/** A pin of `model` to `version` of its own package group in `env` (its account and region unless given). */
export function modelPin(env: string, model: string, options: { account?: string; version?: number } = {}) {
  const environment = committed.environments.find((e) => e.name === env);
  if (!environment) throw new Error(`No environment ${env} in the configuration`);
  const group = `${committed.project}-${env}-${model}`;
  const version = options.version ?? 3;
  return {
    modelPackageArn: `arn:aws:sagemaker:${environment.region}:${options.account ?? environment.account}:model-package/${group}/${version}`,
    approvedBy: 'jane.doe@example.com',
    approvedAt: '2026-11-30T10:00:00Z',
    source: `registry ${group} v${version}`,
    // Any SHA-256: what the package would record of its artifact's files.
    artifactFilesSha256: createHash('sha256').update(`${group} v${version}`).digest('hex'),
  };
}

/** A pin of the churn model to `version` of its group in `env`'s account. */
export function churnPin(env: string, account: string, version = 3) {
  return { churn: modelPin(env, 'churn', { account, version }) };
}

/** A deployments directory with the given files (`{ dev: {...} }` becomes dev.json). */
export function deploymentsDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-deployments-'));
  for (const [env, content] of Object.entries(files)) {
    writeFileSync(join(dir, `${env}.json`), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** The committed configuration with these pins. */
export function configWithPins(files: Record<string, unknown>): MlEnvConfig {
  return loadConfig(environments, { deploymentsDir: deploymentsDir(files) });
}

/** Every environment serving every configured model, each its own account's package. */
export const ALL_PINNED = Object.fromEntries(
  committed.environments.map((env) => [
    env.name,
    Object.fromEntries(committed.models.map((model) => [model.name, modelPin(env.name, model.name)])),
  ]),
);
