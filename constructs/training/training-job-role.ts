import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ModelLayout } from '../common/model-layout';
import { grantSageMakerRuntime, grantVolumeEncryption } from '../common/private/sagemaker-runtime-grants';
import { servicePrincipalFor } from '../common/service-principals';
import { PIPELINE_STEPS, type PipelineStep, stepJobArnPatterns } from './pipeline-steps';
import type { IMlDataStore } from '../storage/ml-data-store';
import type { FrameworkImageConfig } from './framework-image';
import type { SourceCodeConfig } from './source-code';

export interface TrainingJobRoleProps {
  /** The model's layout: its jobs read and write only its own objects. */
  readonly layout: ModelLayout;
  readonly dataStore: IMlDataStore;
  readonly code: SourceCodeConfig;
  /** The images the jobs run. */
  readonly images: FrameworkImageConfig[];
  /**
   * The pipeline's steps, whose jobs (and a tuning step's trials) may assume the role.
   * @default PIPELINE_STEPS
   */
  readonly steps?: readonly PipelineStep[];
}

/**
 * The IAM path of every model's job role (the role `TrainingPipeline`'s SageMaker jobs run as), so
 * that a policy can name those roles together: `arn:<partition>:iam::<account>:role/mlenv-training-jobs/*`.
 * The platform's models bucket lets roles on it (and no one else) write run objects without
 * `If-None-Match`, since SageMaker writes job outputs itself.
 */
export const TRAINING_JOB_ROLE_PATH = '/mlenv-training-jobs/';

/**
 * The role a model's SageMaker jobs run as: its own prefix of each bucket (read raw, read/write
 * curated, read/put models), the code archive, the image, and its own logs and metrics.
 */
export class TrainingJobRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TrainingJobRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { layout, dataStore } = props;
    const model = layout.modelName;
    this.role = new iam.Role(this, 'Role', {
      path: TRAINING_JOB_ROLE_PATH,
      // Only SageMaker jobs of this model's pipeline steps, in this account, may assume it. A trial
      // of a tuning job may present its own ARN or its tuning job's (SageMaker does not document
      // which), so a tuning step admits both.
      assumedBy: servicePrincipalFor(
        this,
        'sagemaker.amazonaws.com',
        (props.steps ?? PIPELINE_STEPS).flatMap((step) => stepJobArnPatterns(stack, layout, step)),
      ),
      description: `SageMaker jobs of the ${model} training pipeline`,
    });

    dataStore.grantReadRaw(this.role, layout.allObjects);
    dataStore.grantReadWriteCurated(this.role, layout.allObjects);
    dataStore.grantReadModels(this.role, layout.allObjects);
    dataStore.grantWriteModels(this.role, layout.allObjects);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSourceCode',
        actions: ['s3:GetObject'],
        resources: [
          `arn:${stack.partition}:s3:::${props.code.asset.s3BucketName}/${props.code.asset.s3ObjectKey}`,
        ],
      }),
    );
    // The code is an S3Prefix input: SageMaker lists the prefix (the archive's key) before copying it.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListSourceCode',
        actions: ['s3:ListBucket'],
        resources: [`arn:${stack.partition}:s3:::${props.code.asset.s3BucketName}`],
        conditions: { StringLike: { 's3:prefix': [props.code.asset.s3ObjectKey] } },
      }),
    );

    grantVolumeEncryption(this.role, dataStore.encryptionKey.keyArn);

    grantSageMakerRuntime(this.role, {
      logGroups: ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/ProcessingJobs'],
      metricNamespaces: ['/aws/sagemaker/*'],
      images: props.images,
    });
  }
}
