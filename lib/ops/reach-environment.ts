import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { EnvironmentConfig } from '../../config';

/** Whether the current credentials reach an environment's account. */
export interface EnvironmentReach {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly reachable: boolean;
  /** Who the credentials are (`GetCallerIdentity`'s ARN), when they work. */
  readonly identity?: string;
  readonly problem?: string;
}

/**
 * Asks STS who the credentials are: they reach the environment when their account is the
 * environment's. `describe` turns a failed call into one line.
 */
export async function reachEnvironment(
  env: EnvironmentConfig,
  sts: Pick<STSClient, 'send'>,
  describe: (error: unknown) => string,
): Promise<EnvironmentReach> {
  const base = { environment: env.name, account: env.account, region: env.region };
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account === env.account) return { ...base, reachable: true, identity: identity.Arn };
    return {
      ...base,
      reachable: false,
      identity: identity.Arn,
      problem: `the credentials are of account ${identity.Account}, not ${env.account}`,
    };
  } catch (error) {
    return { ...base, reachable: false, problem: describe(error) };
  }
}
