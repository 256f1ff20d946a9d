import { publishedImageRepositories } from '../../../constructs';
import type { DeployedStage } from './deployed-assembly';
import type { NamedPolicy } from './named-policy';

/*
 * Resources the platform's requests reach that its templates do not define, with the policies
 * their owners document. Each is a stated assumption about someone else's configuration.
 */

/**
 * The CDK bootstrap's file asset bucket (`cdk bootstrap`'s template, `StagingBucketPolicy`):
 * it denies requests without TLS and grants nothing; the account's identity policies decide.
 */
export function assetBucketPolicy(stage: DeployedStage, bucketName: string): NamedPolicy {
  const bucketArn = `arn:${stage.partition}:s3:::${bucketName}`;
  return {
    name: 'CDK bootstrap StagingBucketPolicy',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowSSLRequestsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
  };
}

/**
 * The account's AWS managed S3 key (`aws/s3`): what the bootstrap's asset bucket is encrypted with
 * by default (`cdk bootstrap` passes `FileAssetsBucketKmsKeyId=AWS_MANAGED_KEY`). Its ARN here is
 * a stand-in: the real key id is generated.
 */
export function awsManagedS3Key(stage: DeployedStage): string {
  return `arn:${stage.partition}:kms:${stage.region}:${stage.account}:key/aws-managed-key-aws-s3`;
}

/** The key policy AWS documents for AWS managed keys of S3: use through S3 by the account's principals. */
export function awsManagedS3KeyPolicy(stage: DeployedStage): NamedPolicy {
  return {
    name: 'AWS managed key aws/s3 key policy',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Allow access through S3 for all principals in the account that are authorized to use S3',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:CallerAccount': stage.account,
              'kms:ViaService': `s3.${stage.region}.amazonaws.com`,
            },
          },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:${stage.partition}:iam::${stage.account}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
          Resource: '*',
        },
      ],
    },
  };
}

/**
 * SageMaker's prebuilt images (the framework containers and Deep Learning Containers of
 * `FrameworkImage`'s tables, the Model Monitor analyzer) live in AWS-owned ECR repositories whose
 * repository policies let every account pull them. Any other repository outside the assembly, in
 * those accounts or elsewhere, has no known policy.
 */
export function awsOwnedImageRepositoryPolicy(repositoryArn: string): NamedPolicy | undefined {
  const [, region, account, repository] =
    /^arn:[^:]+:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(repositoryArn) ?? [];
  const published = publishedImageRepositories(region ?? '').some(
    (r) => r.account === account && r.repository === repository,
  );
  if (!published) return undefined;
  return {
    name: 'AWS-owned SageMaker image repository policy',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        },
      ],
    },
  };
}
