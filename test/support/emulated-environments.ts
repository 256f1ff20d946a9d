import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  type ModelApprovalStatus,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  bucketNamePrefix,
  type DataBucketKind,
  DISCOVERY_KEYS,
  discoveryParameterName,
  type EnvironmentConfig,
  groupNamePrefix,
  type MlEnvConfig,
  type ModelConfig,
} from '../../config';
import { ARTIFACT_METADATA } from '../../constructs/common/artifact-integrity';
import { ModelLayout } from '../../constructs/common/model-layout';
import { modelPackageGroupName } from '../../constructs/registry/model-registry';
import { dataStoreBucketName } from '../../constructs/storage/ml-data-store';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import type { RoleCredentials } from '../../lib/ops/promotion-role';

const DATA_BUCKETS: readonly DataBucketKind[] = ['raw', 'curated', 'models', 'monitoring'];

/**
 * The cloud environments of a configuration in the emulator, each in its own account (the
 * emulator answers an assumed role's calls in the role's account): their buckets, registry and
 * the parameters their stacks publish for the CLI, as a deploy leaves them. What a stack's
 * resources do at run time is not emulated here; their policies are the authorization test's.
 */
export class EmulatedEnvironments {
  constructor(
    private readonly config: MlEnvConfig,
    private readonly port: () => number,
  ) {}

  /** Client configuration for `region`, as the caller's credentials or `credentials`. */
  public clientConfig = (region: string, credentials?: RoleCredentials) => ({
    ...emulatorClientConfig(this.port(), region),
    ...(credentials ? { credentials } : {}),
  });

  /** Credentials of `env`'s account. */
  public async credentialsOf(env: EnvironmentConfig): Promise<RoleCredentials> {
    const assumed = await new STSClient(this.clientConfig(env.region)).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${env.account}:role/deployer`,
        RoleSessionName: 'deployer',
      }),
    );
    const c = assumed.Credentials!;
    return {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
  }

  /** Client configuration of `env`'s account in its region. */
  public async as(env: EnvironmentConfig) {
    return this.clientConfig(env.region, await this.credentialsOf(env));
  }

  public env(name: string): EnvironmentConfig {
    return this.config.environments.find((e) => e.name === name)!;
  }

  public bucketOf(env: EnvironmentConfig, kind: string): string {
    return dataStoreBucketName(bucketNamePrefix(this.names(env)), kind);
  }

  public groupOf(env: EnvironmentConfig, model: string): string {
    return modelPackageGroupName(groupNamePrefix(this.names(env)), model);
  }

  /** The data key ARN the environment publishes (the emulator does not check that it exists). */
  public keyArnOf(env: EnvironmentConfig): string {
    return `arn:aws:kms:${env.region}:${env.account}:key/data-key-of-${env.name}`;
  }

  /** Deploys `env` as far as the CLI sees it: buckets, groups, published names. */
  public async deploy(env: EnvironmentConfig): Promise<void> {
    const as = await this.as(env);
    const s3 = new S3Client(as);
    for (const kind of DATA_BUCKETS) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: this.bucketOf(env, kind),
          CreateBucketConfiguration: { LocationConstraint: env.region as never },
        }),
      );
      // Versioned, as MlDataStore's buckets are (the emulator's CloudFormation would drop it).
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: this.bucketOf(env, kind),
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
    }
    const sagemaker = new SageMakerClient(as);
    for (const model of this.config.models) {
      await sagemaker.send(
        new CreateModelPackageGroupCommand({ ModelPackageGroupName: this.groupOf(env, model.name) }),
      );
    }
    const parameters: Record<string, string> = {
      ...Object.fromEntries(DATA_BUCKETS.map((k) => [DISCOVERY_KEYS.bucket(k), this.bucketOf(env, k)])),
      [DISCOVERY_KEYS.dataKeyArn]: this.keyArnOf(env),
      [DISCOVERY_KEYS.alertTopicArn]: `arn:aws:sns:${env.region}:${env.account}:alerts`,
      ...Object.fromEntries(
        this.config.models.flatMap((m) => [
          [
            DISCOVERY_KEYS.pipelineArn(m.name),
            `arn:aws:states:${env.region}:${env.account}:stateMachine:${m.name}`,
          ],
          [DISCOVERY_KEYS.packageGroup(m.name), this.groupOf(env, m.name)],
        ]),
      ),
      ...(env.promotionSources.length > 0
        ? {
            [DISCOVERY_KEYS.promotionSources]: JSON.stringify(
              Object.fromEntries(
                env.promotionSources.map((source) => [
                  source.name,
                  {
                    account: source.account,
                    region: source.region,
                    partition: 'aws',
                    modelsBucket: this.bucketOf(this.env(source.name), 'models'),
                    groupNamePrefix: groupNamePrefix(this.names(this.env(source.name))),
                  },
                ]),
              ),
            ),
          }
        : {}),
    };
    const ssm = new SSMClient(as);
    for (const [key, value] of Object.entries(parameters)) {
      await ssm.send(
        new PutParameterCommand({
          Name: discoveryParameterName(this.names(env), key),
          Value: value,
          Type: 'String',
        }),
      );
    }
  }

  /**
   * What a training run of `model` in `env` leaves: its artifact, evaluation report and drift
   * baseline in the models bucket, and the package it registers (as `register-model.ts` does),
   * recording the artifact's SHA-256, its files' SHA-256 and the version evaluated.
   * `replacedBeforeRegistration`: other bytes are put at the artifact's key after it was
   * evaluated and before the registration read its version.
   */
  public async train(
    env: EnvironmentConfig,
    model: ModelConfig,
    run: string,
    status: ModelApprovalStatus,
    options: { readonly replacedBeforeRegistration?: string } = {},
  ): Promise<{ packageArn: string; objects: Record<string, string>; artifact: string }> {
    const layout = new ModelLayout(model.name);
    const objects = {
      artifact: `${layout.runDir(run)}/train/output/model.tar.gz`,
      evaluation: layout.evaluationKey(run),
      statistics: layout.baselineKey(run, 'statistics.json'),
      constraints: layout.baselineKey(run, 'constraints.json'),
    };
    const as = await this.as(env);
    const s3 = new S3Client(as);
    const bucket = this.bucketOf(env, 'models');
    const artifact = `artifact of ${run} in ${env.name}`;
    for (const [name, key] of Object.entries(objects)) {
      const body =
        name === 'evaluation'
          ? JSON.stringify({
              [`${model.problemType}_metrics`]: { [model.qualityGate.metric]: { value: 0.97 } },
            })
          : name === 'artifact'
            ? artifact
            : `${name} of ${run} in ${env.name}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    }
    if (options.replacedBeforeRegistration) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: objects.artifact,
          Body: options.replacedBeforeRegistration,
        }),
      );
    }
    const evaluated = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objects.artifact }));
    const uri = (key: string) => `s3://${bucket}/${key}`;
    const created = await new SageMakerClient(as).send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: this.groupOf(env, model.name),
        ModelApprovalStatus: status,
        ModelPackageDescription: `${model.name} trained by execution ${run}`,
        InferenceSpecification: {
          Containers: [
            {
              Image: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
              ModelDataUrl: uri(objects.artifact),
              Environment: { SAGEMAKER_PROGRAM: 'serve.py', SAGEMAKER_REGION: env.region },
            },
          ],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelMetrics: {
          ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: uri(objects.evaluation) } },
        },
        DriftCheckBaselines: {
          ModelDataQuality: {
            Statistics: { ContentType: 'application/json', S3Uri: uri(objects.statistics) },
            Constraints: { ContentType: 'application/json', S3Uri: uri(objects.constraints) },
          },
        },
        CustomerMetadataProperties: {
          datasetVersion: 'd1',
          codeVersion: 'c1',
          executionArn: `exec-${run}`,
          [ARTIFACT_METADATA.sha256]: createHash('sha256').update(artifact).digest('hex'),
          [ARTIFACT_METADATA.filesSha256]: createHash('sha256').update(`files of ${artifact}`).digest('hex'),
          [ARTIFACT_METADATA.versionId]: evaluated.VersionId ?? 'null',
        },
      }),
    );
    return { packageArn: created.ModelPackageArn!, objects, artifact };
  }

  private names(env: EnvironmentConfig) {
    return { project: this.config.project, environment: env };
  }
}
