import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';

/**
 * A CodeBuild S3 source that is one asset's archive, read at its own key only.
 *
 * `codebuild.Source.s3` grants the bucket's `s3:GetBucket*` and `s3:List*` and every object
 * matching its path: the CDK assets bucket holds every asset of the account and region. CodeBuild
 * needs the object (and its version) and, on the bucket, its ACL and location (AWS's documented
 * service role policy: `S3GetObjectPolicy`, `S3BucketIdentity`).
 */
export class AssetObjectSource extends codebuild.Source {
  public readonly type = 'S3';

  constructor(private readonly asset: s3assets.Asset) {
    super({});
  }

  public bind(scope: Construct, project: codebuild.IProject): codebuild.SourceConfig {
    const { bucket, s3ObjectKey } = this.asset;
    project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects(s3ObjectKey)],
      }),
    );
    project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn],
      }),
    );
    return {
      sourceProperty: {
        ...super.bind(scope, project).sourceProperty,
        location: `${bucket.bucketName}/${s3ObjectKey}`,
      },
    };
  }
}
