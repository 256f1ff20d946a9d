import { join } from 'node:path';
import { environments } from './environments';
import { loadConfig, type LoadConfigOptions, type MlEnvConfig } from './load';

export * from './delivery';
export * from './deploy-command';
export * from './deployments';
export * from './derived-names';
export * from './discovery';
export * from './effective-training';
export * from './load';
export * from './schema';

/** Where the deployment pins live: `deployments/<env>.json` (git history is the audit log). */
export const DEPLOYMENTS_DIR = join(__dirname, '..', 'deployments');

/**
 * This platform's configuration, validated, with account overrides from CDK context applied and
 * the deployment pins of `deployments/` read.
 */
export function platformConfig(options: LoadConfigOptions = {}): MlEnvConfig {
  return loadConfig(environments, { deploymentsDir: DEPLOYMENTS_DIR, ...options });
}
