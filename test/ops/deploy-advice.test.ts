import type { SSMClient } from '@aws-sdk/client-ssm';
import { LOCAL_ENVIRONMENT, platformConfig } from '../../config';
import { readEnvironmentDirectory } from '../../lib/ops/environment-directory';

const config = platformConfig();
const models = config.models.map((m) => m.name);

/** An SSM client of an environment that published `parameters` (name to value) and nothing else. */
const publishing = (parameters: Record<string, string>) =>
  ({
    send: async () => ({
      Parameters: Object.entries(parameters).map(([Name, Value]) => ({ Name, Value })),
    }),
  }) as unknown as Pick<SSMClient, 'send'>;

/** The message `readEnvironmentDirectory` fails with for `env`. */
async function directoryError(env: (typeof config.environments)[number], ssm: Pick<SSMClient, 'send'>) {
  try {
    await readEnvironmentDirectory(ssm, config.project, env, models);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('readEnvironmentDirectory did not fail');
}

/**
 * What deploys each environment: the local one into the emulator (README, "The local
 * environment"); `cdk deploy` of the local stage would target the AWS account of the caller's
 * credentials. Every cloud environment with `cdk deploy` of its own stage.
 */
const expectedAdvice = (env: (typeof config.environments)[number]) =>
  env.name === LOCAL_ENVIRONMENT ? 'npx mlenv local up' : `npx cdk deploy '${env.stageId}/*'`;

describe.each(config.environments.map((env) => [env.name, env] as const))('%s', (_name, env) => {
  test('an environment that published nothing is told the command that deploys it', async () => {
    const message = await directoryError(env, publishing({}));
    expect(message).toContain(expectedAdvice(env));
    if (env.name === LOCAL_ENVIRONMENT) expect(message).not.toContain('cdk deploy');
  });

  test('a parameter it lacks (a model added by configuration since its deploy) names the same command', async () => {
    const message = await directoryError(
      env,
      publishing({ [`/${config.project}/${env.name}/unrelated`]: 'x' }),
    );
    expect(message).toMatch(/has no parameter/);
    expect(message).toContain(expectedAdvice(env));
  });
});
