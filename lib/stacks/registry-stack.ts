import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { DISCOVERY_KEYS, type EnvironmentConfig, groupNamePrefix, type ModelConfig } from '../../config';
import { pascalCase } from '../../constructs/common/pascal-case';
import { publishForCli } from './discovery-parameter';
import { ModelRegistry } from '../../constructs';
import { removalPolicyOf } from './storage-stack';

export interface RegistryStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly models: readonly ModelConfig[];
  readonly operationsKey: kms.IKey;
}

/** The environment's model registry (stateful: model package groups keep every version). */
export class RegistryStack extends Stack {
  public readonly registry: ModelRegistry;
  /** Model package groups are named `<groupNamePrefix>-<model>`. */
  public readonly groupNamePrefix: string;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    this.groupNamePrefix = groupNamePrefix(props);
    this.registry = new ModelRegistry(this, 'Registry', {
      modelNames: props.models.map((m) => m.name),
      groupNamePrefix: this.groupNamePrefix,
      readerAccounts: [...props.environment.promotionReaders],
      encryptionKey: props.operationsKey,
      removalPolicy: removalPolicyOf(props.environment),
    });
    for (const model of props.models) {
      publishForCli(
        this,
        `${pascalCase(model.name)}PackageGroup`,
        props,
        DISCOVERY_KEYS.packageGroup(model.name),
        this.registry.modelPackageGroup(model.name).groupName,
        `The model package group of ${model.name}`,
      );
    }
  }
}
