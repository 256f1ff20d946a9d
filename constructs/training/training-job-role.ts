import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { grantSageMakerRuntime } from '../common/sagemaker-runtime-grants';
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

    grantSageMakerRuntime(this.role, {
      logGroups: ['TrainingJobs', 'ProcessingJobs'],
      metricNamespaces: ['/aws/sagemaker/*'],
      images: props.images,
    });
  }
}
