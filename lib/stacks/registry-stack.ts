import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { type EnvironmentConfig, groupNamePrefix, type ModelConfig } from '../../config';
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
  }
}
