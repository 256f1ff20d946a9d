/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

export function parseArn(arn: string): ArnParts | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account, ...resource] = parts;
  return { partition, service, region, account, resource: resource.join(':') };
}

/** The ARN of an S3 object (`key` given) or bucket. */
export function s3Arn(partition: string, bucket: string, key?: string): string {
  return `arn:${partition}:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;
}

/** The bucket an S3 bucket or object ARN names. */
export function bucketOfS3Arn(arn: string): string | undefined {
  return /^arn:[^:]+:s3:::([^/]+)/.exec(arn)?.[1];
}

/** An AWS service principal (`sagemaker.amazonaws.com`), as opposed to an IAM principal ARN. */
export function isServicePrincipal(principal: string): boolean {
  return /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(principal);
}

/** The root of an account: the account itself as a principal. */
export function accountRoot(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}

/** `arn:aws:iam::<account>:root` of an account root principal, else undefined. */
export function accountOfRoot(principal: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal)?.[1];
}

/**
 * The repository ARN of a container image URI `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`
 * (or `@sha256:...`), undefined for images outside ECR.
 */
export function ecrRepositoryArn(imageUri: string, partition: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageUri);
  return match ? `arn:${partition}:ecr:${match[2]}:${match[1]}:repository/${match[3]}` : undefined;
}
