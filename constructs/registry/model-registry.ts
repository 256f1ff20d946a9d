import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import { pascalCase } from '../../cfn/pascal-case';
import { NotifyTopicTarget } from '../monitoring/topic-publishers';

/** A model package group of the registry. */
export interface ModelPackageGroupRef {
  readonly modelName: string;
  readonly groupName: string;
  readonly groupArn: string;
  /** ARN pattern of every model package (version) in the group. */
  readonly packagesArn: string;
}

/** A SageMaker model registry: one model package group per model. */
export interface IModelRegistry extends IConstruct {
  /** Receives every state change (registered, approved, rejected) of the registry's packages. */
  readonly eventsTopic: sns.ITopic;
  /** The group of `modelName`; throws for a model the registry does not hold. */
  modelPackageGroup(modelName: string): ModelPackageGroupRef;
  /** Lets `grantee` register new model package versions of `modelName`. */
  grantRegister(grantee: iam.IGrantable, modelName: string): iam.Grant;
  /** Lets `grantee` read the groups and packages of `modelName`, or of every model. */
  grantRead(grantee: iam.IGrantable, modelName?: string): iam.Grant;
  /**
   * Lets `grantee` read and register packages of every model of the registry, including models
   * added later: its groups by their name prefix, one statement whatever the number of models.
   */
  grantRegisterEveryModel(grantee: iam.IGrantable): iam.Grant;
}

/** Properties of a `ModelRegistry`. */
export interface ModelRegistryProps {
  /** The models, one model package group each (lowercase names). */
  readonly modelNames: string[];

  /**
   * Prefix of the group names (`<prefix>-<model>`); group names are unique per account and region.
   * @default - the stack name, lowercased
   */
  readonly groupNamePrefix?: string;

  /**
   * Roles of other accounts that may read the packages, to promote a model to their environment
   * (the next environment's promotion role). The group policy names each role's account as
   * principal and the role in `aws:PrincipalArn` (a role ARN as principal would have to exist
   * before this registry is deployed); no other principal of those accounts is admitted.
   * @default - none
   */
  readonly readerRoles?: string[];

  /**
   * The key that encrypts the events topic; EventBridge is allowed to use it.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the model package groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What reading a registry takes: the group, its packages, the list of them. */
export const READ_ACTIONS = [
  'sagemaker:DescribeModelPackageGroup',
  'sagemaker:DescribeModelPackage',
  'sagemaker:ListModelPackages',
];

/** The name of a model's package group in a registry with `groupNamePrefix` `prefix`. */
export function modelPackageGroupName(prefix: string, modelName: string): string {
  return `${prefix}-${modelName}`;
}

/**
 * Model package groups for a set of models, readable by the accounts that promote models from
 * them, with every package state change sent to an encrypted SNS topic.
 *
 * @example
 * const registry = new ModelRegistry(this, 'Registry', {
 *   modelNames: ['churn'],
 *   readerRoles: ['arn:aws:iam::210987654321:role/mlenv-prod-promotion'],
 * });
 * registry.grantRegister(pipelineRole, 'churn');
 */
export class ModelRegistry extends Construct implements IModelRegistry {
  public readonly eventsTopic: sns.ITopic;
  private readonly groups = new Map<string, ModelPackageGroupRef>();
  private readonly groupNamePrefix: string;

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = props.groupNamePrefix ?? stack.stackName.toLowerCase();
    validate(this.node.path, props, prefix);
    this.groupNamePrefix = prefix;

    const readers = [...new Set(props.readerRoles ?? [])].sort();
    const readerAccounts = [...new Set(readers.map(accountOfRole))];
    for (const modelName of props.modelNames) {
      const groupName = modelPackageGroupName(prefix, modelName);
      const groupArn = stack.formatArn({
        service: 'sagemaker',
        resource: 'model-package-group',
        resourceName: groupName,
      });
      const packagesArn = stack.formatArn({
        service: 'sagemaker',
        resource: 'model-package',
        resourceName: `${groupName}/*`,
      });
      const group = new sagemaker.CfnModelPackageGroup(this, `${pascalCase(modelName)}Group`, {
        modelPackageGroupName: groupName,
        modelPackageGroupDescription: `Versions of model ${modelName}`,
        modelPackageGroupPolicy:
          readers.length === 0
            ? undefined
            : {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'ReadForPromotion',
                    Effect: 'Allow',
                    Principal: { AWS: readerAccounts.map((a) => `arn:${stack.partition}:iam::${a}:root`) },
                    Action: READ_ACTIONS,
                    Resource: [groupArn, packagesArn],
                    Condition: { ArnEquals: { 'aws:PrincipalArn': readers } },
                  },
                ],
              },
      });
      group.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
      this.groups.set(modelName, { modelName, groupName, groupArn, packagesArn });
    }

    const key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Encrypts model registry notifications',
        enableKeyRotation: true,
      });
    this.eventsTopic = new sns.Topic(this, 'Events', { masterKey: key, enforceSSL: true });

    new events.Rule(this, 'PackageStateChange', {
      description: 'Model package registered, approved or rejected',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [...this.groups.values()].map((g) => g.groupName) },
      },
      targets: [new NotifyTopicTarget(this.eventsTopic)],
    });
  }

  public modelPackageGroup(modelName: string): ModelPackageGroupRef {
    const group = this.groups.get(modelName);
    if (!group) {
      throw new Error(
        `Model '${modelName}' is not in the registry (models: ${[...this.groups.keys()].join(', ')})`,
      );
    }
    return group;
  }

  public grantRegister(grantee: iam.IGrantable, modelName: string): iam.Grant {
    const group = this.modelPackageGroup(modelName);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      resourceArns: [group.groupArn, group.packagesArn],
    });
  }

  public grantRegisterEveryModel(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const every = modelPackageGroupName(this.groupNamePrefix, '*');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreateModelPackage', ...READ_ACTIONS],
      resourceArns: [
        stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: every }),
        stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${every}/*` }),
      ],
    });
  }

  public grantRead(grantee: iam.IGrantable, modelName?: string): iam.Grant {
    const groups = modelName ? [this.modelPackageGroup(modelName)] : [...this.groups.values()];
    return iam.Grant.addToPrincipal({
      grantee,
      actions: READ_ACTIONS,
      resourceArns: groups.flatMap((g) => [g.groupArn, g.packagesArn]),
    });
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;

function accountOfRole(roleArn: string): string {
  return ROLE_ARN.exec(roleArn)![1];
}

function validate(path: string, props: ModelRegistryProps, prefix: string): void {
  const problems: string[] = [];
  if (props.modelNames.length === 0) problems.push('modelNames must name at least one model');
  for (const name of props.modelNames) {
    const groupName = modelPackageGroupName(prefix, name);
    if (!/^[a-z0-9](-*[a-z0-9]){0,62}$/.test(groupName)) {
      problems.push(
        `model package group name '${groupName}' must be 1-63 lowercase letters, digits and single hyphens`,
      );
    }
  }
  if (new Set(props.modelNames).size !== props.modelNames.length) problems.push('modelNames must be unique');
  for (const role of props.readerRoles ?? []) {
    if (!ROLE_ARN.test(role)) problems.push(`readerRoles: '${role}' is not an IAM role ARN`);
  }
  if (problems.length > 0)
    throw new Error(`Invalid ModelRegistry props at ${path}:\n  - ${problems.join('\n  - ')}`);
}
