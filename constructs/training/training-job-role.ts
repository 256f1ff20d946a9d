import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IMlDataStore } from '../storage/ml-data-store';
import type { FrameworkImageConfig } from './framework-image';
import type { SourceCodeConfig } from './source-code';

export interface TrainingJobRoleProps {
  readonly modelName: string;
  readonly dataStore: IMlDataStore;
  readonly code: SourceCodeConfig;
  /** The images the jobs run. */
  readonly images: FrameworkImageConfig[];
}

/**
 * The role a model's SageMaker jobs run as: its own prefix of each bucket (read raw, read/write
 * curated, read/put models), the code archive, the image, and its own logs and metrics.
 */
export class TrainingJobRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TrainingJobRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { modelName: model, dataStore } = props;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker jobs of the ${model} training pipeline`,
    });

    dataStore.grantReadRaw(this.role, `${model}/*`);
    dataStore.grantReadWriteCurated(this.role, `${model}/*`);
    dataStore.grantReadModels(this.role, `${model}/*`);
    dataStore.grantWriteModels(this.role, `${model}/*`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSourceCode',
        actions: ['s3:GetObject'],
        resources: [
          `arn:${stack.partition}:s3:::${props.code.asset.s3BucketName}/${props.code.asset.s3ObjectKey}`,
        ],
      }),
    );

    // SageMaker creates grants on the key to encrypt the jobs' volumes.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptJobVolumes',
        actions: ['kms:CreateGrant', 'kms:DescribeKey'],
        resources: [dataStore.encryptionKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );

    const jobLogGroups = ['TrainingJobs', 'ProcessingJobs'].map((kind) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `/aws/sagemaker/${kind}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteJobLogs',
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: jobLogGroups.flatMap((group) => [group, `${group}:log-stream:*`]),
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishTrainingMetrics',
        actions: ['cloudwatch:PutMetricData'],
        // PutMetricData has no resource-level permissions; the namespace condition narrows it.
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }),
    );

    // One statement per image (with a Sid, so the policy minimizer keeps them apart and in this
    // order; sorted by ARN, their order would differ per region).
    const repositories = props.images.flatMap((i) => (i.repositoryArn ? [i.repositoryArn] : []));
    if (repositories.length > 0) {
      repositories.forEach((repositoryArn, index) =>
        this.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: `PullImage${index}`,
            actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
            resources: [repositoryArn],
          }),
        ),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AuthenticateToEcr',
          actions: ['ecr:GetAuthorizationToken'],
          // GetAuthorizationToken has no resource-level permissions.
          resources: ['*'],
        }),
      );
    }
  }
}
