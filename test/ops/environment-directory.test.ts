import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DISCOVERY_KEYS, discoveryParameterName, LOCAL_ENVIRONMENT } from '../../config';
import { readEnvironmentDirectory } from '../../lib/ops/environment-directory';
import { platformAssembly } from '../support/platform';
import { deploymentReader, deployableStacks } from '../../cfn/template-intrinsics';

const { assembly, config } = platformAssembly();
const models = config.models.map((m) => m.name);
const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

/** Every SSM parameter a stage publishes, with its value as a deploy resolves it. */
function published(stageId: string): Array<{ Name: string; Value: string }> {
  const reader = deploymentReader(assembly);
  return deployableStacks(assembly)
    .filter((s) => s.id.startsWith(`${stageId}/`))
    .flatMap((stack) =>
      Object.values(stack.template.Resources ?? {})
        .filter((r) => r.Type === 'AWS::SSM::Parameter')
        .map(
          (r) =>
            reader.resolve(
              r.Properties,
              reader.stacks!.find((s) => s.id === stack.id),
            ) as Record<string, string>,
        )
        .map((p) => ({ Name: p.Name, Value: p.Value })),
    );
}

describe.each(config.environments.map((e) => [e.name, e] as const))(
  'what %s publishes for the CLI',
  (_name, env) => {
    test('is read back as its buckets, key, topic and each model’s pipeline and package group', async () => {
      const parameters = published(env.stageId);
      // Paged, as GetParametersByPath answers.
      ssm
        .on(GetParametersByPathCommand)
        .resolvesOnce({ Parameters: parameters.slice(0, 3), NextToken: 'next' })
        .resolvesOnce({ Parameters: parameters.slice(3) });
      const directory = await readEnvironmentDirectory(ssm as never, config.project, env, models);
      const value = (key: string) =>
        parameters.find(
          (p) => p.Name === discoveryParameterName({ project: config.project, environment: env }, key),
        )?.Value;
      expect(directory.buckets.raw).toBe(value(DISCOVERY_KEYS.bucket('raw')));
      expect(directory.buckets.raw).toMatch(
        new RegExp(`^${config.project}-${env.name}-${env.account}-${env.region}-raw$`),
      );
      for (const model of models) {
        expect(directory.models[model].packageGroup).toBe(`${config.project}-${env.name}-${model}`);
        expect(directory.models[model].pipelineArn).toMatch(
          new RegExp(`^arn:aws:states:${env.region}:${env.account}:stateMachine:`),
        );
        expect(directory.models[model].endpointName === undefined).toBe(!(model in env.deployments));
        // A model with a data pipeline publishes it (what `mlenv train` starts for it).
        const withData = config.models.find((m) => m.name === model)?.dataPipeline !== undefined;
        expect(directory.models[model].dataPipelineArn === undefined).toBe(!withData);
        if (withData) {
          expect(directory.models[model].dataPipelineArn).toMatch(
            new RegExp(`^arn:aws:states:${env.region}:${env.account}:stateMachine:`),
          );
          expect(directory.models[model].dataPipelineArn).not.toBe(directory.models[model].pipelineArn);
        }
      }
      expect(directory.alertTopicArn).toMatch(new RegExp(`^arn:aws:sns:${env.region}:${env.account}:`));
      expect(directory.dataKeyArn).toMatch(new RegExp(`^arn:aws:kms:${env.region}:${env.account}:key/`));
      expect(ssm.commandCalls(GetParametersByPathCommand)[0].args[0].input).toMatchObject({
        Path: `/${config.project}/${env.name}`,
        Recursive: true,
      });
    });

    test('an environment that published nothing says how to deploy it', async () => {
      ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
      // The local environment is deployed into the emulator, not with cdk deploy (test/ops/deploy-advice.test.ts).
      await expect(readEnvironmentDirectory(ssm as never, config.project, env, models)).rejects.toThrow(
        env.name === LOCAL_ENVIRONMENT ? 'npx mlenv local up' : `npx cdk deploy '${env.stageId}/*'`,
      );
    });
  },
);
