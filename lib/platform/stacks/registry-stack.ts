import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  bucketNamePrefix,
  DISCOVERY_KEYS,
  discoveryPath,
  type EnvironmentConfig,
  groupNamePrefix,
  type ModelConfig,
  promotionRoleName,
  type PromotionSourceNames,
} from '../../../config';
import { pascalCase } from '../../../cfn/pascal-case';
import { publishForCli } from './discovery-parameter';
import {
  dataStoreBucketName,
  type MlDataStore,
  ModelPromotionRole,
  ModelRegistry,
  type PromotionSource,
} from '../../../constructs';
import { dataStoreByName } from './data-store-by-name';
import { removalPolicyOf } from './storage-stack';
import { promotionReaderRoleArn } from './promotion-reader';

export interface RegistryStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly models: readonly ModelConfig[];
  readonly operationsKey: kms.IKey;
  /** The environment's data store: promoted artifacts are copied into its models bucket. */
  readonly dataStore: MlDataStore;
}

/**
 * The environment's model registry (stateful: model package groups keep every version) and, where
 * models are promoted into the environment, the role a promotion assumes.
 */
export class RegistryStack extends Stack {
  public readonly registry: ModelRegistry;
  /** Model package groups are named `<groupNamePrefix>-<model>`. */
  public readonly groupNamePrefix: string;
  /** Where models are promoted into this environment (it follows another in the promotion order). */
  public readonly promotion?: ModelPromotionRole;
  /** The environments models are promoted from into this one, and the names of their resources. */
  public readonly promotionSources: ReadonlyArray<
    PromotionSource & { readonly region: string; readonly bucketNamePrefix: string }
  >;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    this.groupNamePrefix = groupNamePrefix(props);
    this.registry = new ModelRegistry(this, 'Registry', {
      modelNames: props.models.map((m) => m.name),
      groupNamePrefix: this.groupNamePrefix,
      readerRoles: props.environment.promotionReaders.map((reader) =>
        promotionReaderRoleArn(this, props.project, reader),
      ),
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
    this.promotionSources = props.environment.promotionSources.map((source) => {
      const names = { project: props.project, environment: source };
      return {
        ...source,
        bucketNamePrefix: bucketNamePrefix(names),
        groupNamePrefix: groupNamePrefix(names),
        modelsBucketName: dataStoreBucketName(bucketNamePrefix(names), 'models'),
      };
    });
    if (this.promotionSources.length > 0) this.promotion = this.promotionRole(props);
  }

  /**
   * The role `mlenv promote` assumes to promote into this environment, and where each source's
   * registry and models bucket are (published for the CLI, which cannot read the source's own
   * parameters from this account).
   */
  private promotionRole(props: RegistryStackProps): ModelPromotionRole {
    const { project, environment } = props;
    const sources = this.promotionSources;
    const promotion = new ModelPromotionRole(this, 'Promotion', {
      registry: this.registry,
      dataStore: dataStoreByName(this, props.dataStore),
      sources: [...sources],
      roleName: promotionRoleName({ project, environment }),
      parameterPaths: [discoveryPath({ project, environment })],
    });
    const published: Record<string, PromotionSourceNames> = Object.fromEntries(
      sources.map((source) => [
        source.name,
        {
          account: source.account,
          region: source.region,
          partition: this.partition,
          modelsBucket: source.modelsBucketName,
          groupNamePrefix: source.groupNamePrefix,
        },
      ]),
    );
    publishForCli(
      this,
      'PromotionSources',
      props,
      DISCOVERY_KEYS.promotionSources,
      this.toJsonString(published),
      'Where the environments models are promoted from keep them',
    );
    return promotion;
  }
}
