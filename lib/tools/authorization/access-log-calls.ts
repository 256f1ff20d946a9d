import { s3Arn } from '../calls/arns';
import type { BucketRecord } from '../calls/policy-inventory';
import { origin, type RunTimeCall } from '../calls/run-time-call';

/**
 * S3 server access logging of a bucket: `logging.s3.amazonaws.com` writes log objects under the
 * target prefix of the target bucket, with the source bucket as `aws:SourceArn`.
 */
export function accessLogCalls(bucket: BucketRecord): RunTimeCall[] {
  if (!bucket.accessLogs) return [];
  const { stage } = bucket;
  return [
    {
      stage: stage.id,
      ...origin(bucket.origin, 'access logging'),
      principal: 'logging.s3.amazonaws.com',
      action: 's3:PutObject',
      resource: s3Arn(
        stage.partition,
        bucket.accessLogs.bucket,
        `${bucket.accessLogs.prefix}2026-11-30-10-00-00-0123456789ABCDEF`,
      ),
      context: { 'aws:SourceArn': bucket.arn, 'aws:SourceAccount': stage.account },
    },
  ];
}
