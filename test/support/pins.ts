import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../../config/environments';
import { loadConfig, type MlEnvConfig } from '../../config';

/** A pin of the churn model to `version` of its group in `env`'s account. */
export function churnPin(env: string, account: string, version = 3) {
  return {
    churn: {
      modelPackageArn: `arn:aws:sagemaker:eu-west-1:${account}:model-package/mlenv-${env}-churn/${version}`,
      approvedBy: 'jane.doe@example.com',
      approvedAt: '2026-11-30T10:00:00Z',
      source: `registry mlenv-${env}-churn v${version}`,
    },
  };
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

/** Every environment serving churn (each its own account's package). */
export const ALL_PINNED = {
  local: churnPin('local', '123456789012'),
  dev: churnPin('dev', '111111111111'),
  staging: churnPin('staging', '222222222222'),
  prod: churnPin('prod', '333333333333'),
};
