import type { SSMClient } from '@aws-sdk/client-ssm';
import { platformConfig } from '../../config';
import { localEnvironment } from '../../lib/local/emulator-up';
import { LOCAL_DEPLOY_COMMAND, withLocalDeployAdvice } from '../../lib/local/local-advice';
import { readEnvironmentDirectory } from '../../lib/ops/environment-directory';

const config = platformConfig();
const local = localEnvironment(config);
const models = config.models.map((m) => m.name);

/** An SSM client of an environment that published `parameters` (name to value) and nothing else. */
const publishing = (parameters: Record<string, string>) =>
  ({
    send: async () => ({
      Parameters: Object.entries(parameters).map(([Name, Value]) => ({ Name, Value })),
    }),
  }) as unknown as Pick<SSMClient, 'send'>;

/** The error `readEnvironmentDirectory` gives the local environment, with the local advice. */
async function localError(ssm: Pick<SSMClient, 'send'>): Promise<Error> {
  try {
    await readEnvironmentDirectory(ssm, config.project, local, models);
  } catch (error) {
    return withLocalDeployAdvice(error, local.stageId) as Error;
  }
  throw new Error('readEnvironmentDirectory did not fail');
}

test('a local environment that published nothing is deployed with `mlenv local up`, not `cdk deploy`', async () => {
  const error = await localError(publishing({}));
  expect(error.message).toContain(LOCAL_DEPLOY_COMMAND);
  expect(error.message).not.toContain('cdk deploy');
});

test('a parameter missing in the emulator (a model added by configuration) says `mlenv local up`', async () => {
  const someParameter = `/${config.project}/${local.name}/unrelated`;
  const error = await localError(publishing({ [someParameter]: 'x' }));
  expect(error.message).toMatch(/has no parameter/);
  expect(error.message).toContain(LOCAL_DEPLOY_COMMAND);
  expect(error.message).not.toContain('cdk deploy');
});

test("another environment's advice, and any other error, are left as they are", () => {
  for (const env of config.environments.filter((e) => e.stageId !== local.stageId)) {
    const message = `deploy it with npx cdk deploy '${env.stageId}/*'`;
    expect((withLocalDeployAdvice(new Error(message), local.stageId) as Error).message).toBe(message);
  }
  expect(withLocalDeployAdvice('not an error', local.stageId)).toBe('not an error');
});
