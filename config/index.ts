import { environments } from './environments';
import { loadConfig, type LoadConfigOptions, type MlEnvConfig } from './load';

export * from './load';
export * from './schema';
export * from './knobs';

/** This platform's configuration, validated, with account overrides from CDK context applied. */
export function platformConfig(options: LoadConfigOptions = {}): MlEnvConfig {
  return loadConfig(environments, options);
}
