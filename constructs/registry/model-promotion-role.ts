import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ModelLayout } from '../common/model-layout';
import { pascalCase } from '../../cfn/pascal-case';
import type { IMlDataStore } from '../storage/ml-data-store';
import { type IModelRegistry, modelPackageGroupName, READ_ACTIONS } from './model-registry';

/** An environment models are promoted from: where its registry and model artifacts are. */
export interface PromotionSource {
  /** A name for it (used in statement ids), e.g. the environment's name. */
  readonly name: string;
  /** Its account. */
  readonly account: string;
  /**
   * Its region.
   * @default - this stack's region
   */
  readonly region?: string;
  /** The `groupNamePrefix` of its `ModelRegistry` (groups are `<prefix>-<model>`). */
  readonly groupNamePrefix: string;
  /** The name of its `MlDataStore`'s models bucket. */
  readonly modelsBucketName: string;
}

/** Properties of a `ModelPromotionRole`. */
export interface ModelPromotionRoleProps {
  /** This environment's registry: promoted packages are registered in it. */
  readonly registry: IModelRegistry;
  /** This environment's data store: promoted artifacts are copied into its models bucket. */
  readonly dataStore: IMlDataStore;
  /**
   * The environments packages may be promoted from. Their registries and models buckets must let
   * this account read them (`ModelRegistry.readerAccounts`, `MlDataStore.grantCrossAccountReadModels`).
   */
  readonly sources: PromotionSource[];
  /**
   * The role's name.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * Who may assume the role.
   * @default - this account: its administrators decide which of their principals may
   */
  readonly assumedBy?: iam.IPrincipal;
  /**
   * SSM parameter paths the role may read (where the environment publishes its resources' names).
   * @default - none
   */
  readonly parameterPaths?: string[];
}

/**
 * The role a promotion assumes in the environment it promotes into: it reads a package and the
 * run's objects (artifact, evaluation, baseline) in a source environment, copies the objects into
 * this environment's models bucket (encrypted with this environment's key), and registers the
 * package in this environment's registry. Nothing else: it cannot delete, cannot read other data,
 * and cannot write to a source.
 *
 * @example
 * new ModelPromotionRole(this, 'Promotion', {
 *   registry, dataStore,
 *   sources: [{ name: 'staging', account: '222222222222', groupNamePrefix: 'mlenv-staging', modelsBucketName: 'mlenv-staging-...-models' }],
 * });
 */
export class ModelPromotionRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ModelPromotionRoleProps) {
    super(scope, id);
    validate(this.node.path, props);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: 'Promotes approved model packages into this environment',
      assumedBy: props.assumedBy ?? new iam.AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(1),
    });
    // One pattern for every model (a promotion may promote any of them): the policy keeps its size
    // whatever the number of models, within IAM's policy size limits.
    const runObjects = `${new ModelLayout('*').runDir('*')}/*`; // `*/runs/*/*`

    for (const source of props.sources) {
      const region = source.region ?? stack.region;
      const arn = (service: string, resource: string, resourceName: string) =>
        stack.formatArn({ service, region, account: source.account, resource, resourceName });
      const sid = pascalCase(source.name);
      const everyGroup = modelPackageGroupName(source.groupNamePrefix, '*');
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: `ReadRegistryOf${sid}`,
          actions: [...READ_ACTIONS],
          resources: [
            arn('sagemaker', 'model-package-group', everyGroup),
            arn('sagemaker', 'model-package', `${everyGroup}/*`),
          ],
        }),
      );
      const bucketArn = `arn:${stack.partition}:s3:::${source.modelsBucketName}`;
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: `ReadRunsOf${sid}`,
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [`${bucketArn}/${runObjects}`],
        }),
      );
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: `DecryptRunsOf${sid}`,
          actions: ['kms:Decrypt'],
          // Key ids are random and another account's key cannot be referenced at synth: any key
          // of the source account, but only as S3 uses it to decrypt that bucket's objects.
          resources: [arn('kms', 'key', '*')],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${region}.${stack.urlSuffix}` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] },
          },
        }),
      );
    }

    const { modelsBucket } = props.dataStore;
    props.dataStore.grantWriteModels(this.role, runObjects);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'FindPromotedObjects',
        // A copy is skipped when the object is there already (HEAD), and without ListBucket a
        // missing object answers 403, not 404.
        actions: ['s3:GetObject'],
        resources: [modelsBucket.arnForObjects(runObjects)],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListPromotedRuns',
        actions: ['s3:ListBucket'],
        resources: [modelsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [runObjects] } },
      }),
    );
    props.registry.grantRegisterEveryModel(this.role);
    const paths = props.parameterPaths ?? [];
    if (paths.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadPublishedNames',
          actions: ['ssm:GetParametersByPath', 'ssm:GetParameter', 'ssm:GetParameters'],
          resources: paths.flatMap((path) => [
            stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: path.replace(/^\//, '') }),
            stack.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: `${path.replace(/^\//, '')}/*`,
            }),
          ]),
        }),
      );
    }
  }
}

function validate(path: string, props: ModelPromotionRoleProps): void {
  const problems: string[] = [];
  if (props.sources.length === 0) problems.push('sources must name at least one environment to promote from');
  for (const source of props.sources) {
    if (!/^\d{12}$/.test(source.account))
      problems.push(`sources: '${source.account}' is not a 12-digit account id`);
  }
  const names = props.sources.map((s) => s.name);
  if (new Set(names).size !== names.length) problems.push('sources: names must be unique');
  for (const p of props.parameterPaths ?? []) {
    if (!/^\/[\w./-]+[^/]$/.test(p))
      problems.push(`parameterPaths: '${p}' is not a parameter path like /project/env`);
  }
  if (problems.length > 0)
    throw new Error(`Invalid ModelPromotionRole props at ${path}:\n  - ${problems.join('\n  - ')}`);
}
