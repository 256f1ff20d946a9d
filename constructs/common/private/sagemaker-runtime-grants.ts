import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { FrameworkImageConfig } from '../../training/framework-image';

/**
 * What a SageMaker execution role needs to run a container: write to its log groups, publish
 * metrics, and pull its images. Shared by the jobs', endpoints' and monitors' roles.
 */
export interface SageMakerRuntimeGrants {
  /** Log group names (e.g. `/aws/sagemaker/TrainingJobs`, `/aws/sagemaker/Endpoints/*`). */
  readonly logGroups: string[];
  /** CloudWatch namespaces the container may publish to (a condition on PutMetricData). */
  readonly metricNamespaces: string[];
  /** The images it runs; AWS-provided images with an ECR repository get pull permissions. */
  readonly images: FrameworkImageConfig[];
}

/** Adds the statements of `grants` to `role`. */
export function grantSageMakerRuntime(role: iam.IRole, grants: SageMakerRuntimeGrants): void {
  const stack = Stack.of(role);
  const groups = grants.logGroups.map((name) =>
    stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: [
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:DescribeLogStreams',
      ],
      resources: groups.flatMap((group) => [group, `${group}:log-stream:*`]),
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PublishMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'], // PutMetricData has no resource-level permissions; the namespace condition narrows it
      conditions: { StringLike: { 'cloudwatch:namespace': grants.metricNamespaces } },
    }),
  );
  // One statement per image (with a Sid, so the policy minimizer keeps them apart and in this
  // order; sorted by ARN, their order would differ per region).
  const repositories = grants.images.flatMap((i) => (i.repositoryArn ? [i.repositoryArn] : []));
  repositories.forEach((repositoryArn, index) =>
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `PullImage${index}`,
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [repositoryArn],
      }),
    ),
  );
  if (repositories.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuthenticateToEcr',
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'], // GetAuthorizationToken has no resource-level permissions
      }),
    );
  }
}

/**
 * Lets SageMaker encrypt a job's or endpoint's volumes and outputs with the key in `role`'s name:
 * it creates grants on the key for the AWS resources it runs (and describes the key).
 */
export function grantVolumeEncryption(role: iam.IRole, keyArn: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EncryptJobVolumes',
      actions: ['kms:CreateGrant', 'kms:DescribeKey'],
      resources: [keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  );
}
