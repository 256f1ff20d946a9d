import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { platformConfig } from '../../config';
import { type EnvironmentDirectory, readEnvironmentDirectory } from '../ops/environment-directory';
import { type AwsOptions, clientConfigFor, findEnvironment } from './aws-context';

/** An environment's clients and what it published, for a command about it. */
export async function connectEnvironment(name: string, options: AwsOptions) {
  const config = platformConfig();
  const env = findEnvironment(config, name);
  const clientConfig = await clientConfigFor(env, options);
  const directory = await readEnvironmentDirectory(
    new SSMClient(clientConfig),
    config.project,
    env,
    config.models.map((m) => m.name),
  );
  return {
    config,
    env,
    directory,
    sagemaker: new SageMakerClient(clientConfig),
    sfn: new SFNClient(clientConfig),
    s3: new S3Client(clientConfig),
    runtime: new SageMakerRuntimeClient(clientConfig),
  };
}

/** What `model` has in the environment; an unknown model lists the known ones. */
export function modelIn(directory: EnvironmentDirectory, model: string) {
  const found = directory.models[model];
  if (!found) {
    throw new Error(
      `no model named '${model}' in the configuration (models: ${Object.keys(directory.models).join(', ')})`,
    );
  }
  return found;
}
