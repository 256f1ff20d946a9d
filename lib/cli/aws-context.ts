import type { Command } from 'commander';
import type { EnvironmentConfig, MlEnvConfig } from '../../config';
import { emulatorStatus, localStateDir } from '../local/emulator';
import { emulatorClientConfig } from '../local/emulator-env';
import { LOCAL_ENVIRONMENT } from '../local/emulator-up';

/** The options every command that calls AWS takes. */
export interface AwsOptions {
  readonly profile?: string;
  readonly region?: string;
  readonly json?: boolean;
}

/** Adds `--profile`, `--region` and `--json` to a command. */
export function withAwsOptions(command: Command): Command {
  return command
    .option('--profile <name>', 'the AWS profile to use (default: the SDK default chain)')
    .option('--region <region>', "the region to call (default: the environment's)")
    .option('--json', 'print the result as JSON');
}

/** The configured environment named `name`; an unknown one lists the known ones. */
export function findEnvironment(config: MlEnvConfig, name: string): EnvironmentConfig {
  const env = config.environments.find((e) => e.name === name);
  if (!env) {
    throw new Error(
      `no environment named '${name}' in the configuration (environments: ${config.environments.map((e) => e.name).join(', ')})`,
    );
  }
  return env;
}

/** Configuration for an AWS SDK client that calls `env`. */
export type ClientConfig = Record<string, unknown> & { readonly region: string };

/**
 * How to reach `env`: its region (or `--region`) with the SDK's credential chain (or
 * `--profile`); the local environment is the running emulator, never AWS.
 */
export async function clientConfigFor(env: EnvironmentConfig, options: AwsOptions): Promise<ClientConfig> {
  if (env.name === LOCAL_ENVIRONMENT) {
    const status = await emulatorStatus({ stateDir: localStateDir() });
    if (!status.running || status.port === undefined) {
      throw new Error(
        `${env.name} runs in the emulator, which is not running: start it with npx mlenv local up`,
      );
    }
    return emulatorClientConfig(status.port, env.region);
  }
  return {
    region: options.region ?? env.region,
    ...(options.profile ? { profile: options.profile } : {}),
  };
}
