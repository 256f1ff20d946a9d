import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  type DataBucketKind,
  deployCommand,
  type DeploymentPin,
  DISCOVERY_KEYS,
  discoveryPath,
  type EnvironmentConfig,
  type PromotionSourceNames,
} from '../../config';
import { modelPackageGroupName } from '../../constructs';

/** What one model has in an environment. */
export interface ModelDirectory {
  readonly pipelineArn: string;
  /** Where the model has a data pipeline: it builds the features from a raw version, then trains. */
  readonly dataPipelineArn?: string;
  readonly packageGroup: string;
  /** Only where the model is served. */
  readonly endpointName?: string;
  /** Only where the model is served in batch: the state machine that scores a batch. */
  readonly batchArn?: string;
}

/** The names an environment published for the CLI (SSM parameters under `/<project>/<env>/`). */
export interface EnvironmentDirectory {
  readonly environment: string;
  readonly buckets: Readonly<Record<DataBucketKind, string>>;
  readonly dataKeyArn: string;
  readonly alertTopicArn: string;
  readonly models: Readonly<Record<string, ModelDirectory>>;
  readonly pins: Readonly<Record<string, DeploymentPin>>;
  /** Where the environments models are promoted from keep them, by environment name. */
  readonly promotionSources: Readonly<Record<string, PromotionSourceDirectory>>;
}

/** Where an environment that models are promoted from keeps them (as the target published it). */
export interface PromotionSourceDirectory {
  readonly modelsBucket: string;
  /** Each model's package group, by ARN (it is in another account). */
  readonly packageGroupArns: Readonly<Record<string, string>>;
}

/** The published names of the promotion sources, with each model's package group ARN. */
function promotionSourcesOf(
  published: Record<string, PromotionSourceNames>,
  models: readonly string[],
): Record<string, PromotionSourceDirectory> {
  return Object.fromEntries(
    Object.entries(published).map(([name, source]) => [
      name,
      {
        modelsBucket: source.modelsBucket,
        packageGroupArns: Object.fromEntries(
          models.map((model) => [
            model,
            `arn:${source.partition}:sagemaker:${source.region}:${source.account}:model-package-group/${modelPackageGroupName(source.groupNamePrefix, model)}`,
          ]),
        ),
      },
    ]),
  );
}

const BUCKETS: readonly DataBucketKind[] = ['raw', 'curated', 'models', 'monitoring'];

/**
 * Reads what `environment` published for the CLI. The names are never rebuilt from the
 * configuration: what is read is what was deployed. An environment that published nothing (not
 * deployed, or another account or region) is an error that says how to deploy it.
 */
export async function readEnvironmentDirectory(
  ssm: Pick<SSMClient, 'send'>,
  project: string,
  environment: EnvironmentConfig,
  models: readonly string[],
): Promise<EnvironmentDirectory> {
  const path = discoveryPath({ project, environment });
  const values = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken: token }),
    );
    for (const p of page.Parameters ?? []) {
      if (p.Name && p.Value !== undefined) values.set(p.Name.slice(path.length + 1), p.Value);
    }
    token = page.NextToken;
  } while (token);
  if (values.size === 0) {
    throw new Error(
      `${environment.name} has published nothing under ${path} in ${environment.account}/${environment.region}: deploy it with ${deployCommand(environment)}`,
    );
  }
  const required = (key: string) => {
    const value = values.get(key);
    if (value === undefined) {
      throw new Error(
        `${environment.name} has no parameter ${path}/${key}: deploy the current version with ${deployCommand(environment)}`,
      );
    }
    return value;
  };
  return {
    environment: environment.name,
    buckets: Object.fromEntries(
      BUCKETS.map((kind) => [kind, required(DISCOVERY_KEYS.bucket(kind))]),
    ) as Record<DataBucketKind, string>,
    dataKeyArn: required(DISCOVERY_KEYS.dataKeyArn),
    alertTopicArn: required(DISCOVERY_KEYS.alertTopicArn),
    models: Object.fromEntries(
      models.map((model) => {
        const endpointName = values.get(DISCOVERY_KEYS.endpointName(model));
        const dataPipelineArn = values.get(DISCOVERY_KEYS.dataPipelineArn(model));
        const batchArn = values.get(DISCOVERY_KEYS.batchStateMachineArn(model));
        return [
          model,
          {
            pipelineArn: required(DISCOVERY_KEYS.pipelineArn(model)),
            ...(dataPipelineArn ? { dataPipelineArn } : {}),
            packageGroup: required(DISCOVERY_KEYS.packageGroup(model)),
            ...(endpointName ? { endpointName } : {}),
            ...(batchArn ? { batchArn } : {}),
          },
        ];
      }),
    ),
    pins: Object.fromEntries(
      models.flatMap((model) => {
        const pin = values.get(DISCOVERY_KEYS.pin(model));
        return pin === undefined ? [] : [[model, JSON.parse(pin) as DeploymentPin]];
      }),
    ),
    promotionSources: promotionSourcesOf(
      environment.promotionSources.length > 0 ? JSON.parse(required(DISCOVERY_KEYS.promotionSources)) : {},
      models,
    ),
  };
}
