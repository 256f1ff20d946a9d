import { parseArn, s3Arn } from './arns';
import { parseS3Uri } from '../../ops/s3-uri';
import type { PolicyInventory } from './policy-inventory';
import type { RunTimeCall } from './run-time-call';

/** Who reads or writes, on behalf of which stage and template origin. */
export type Caller = Pick<RunTimeCall, 'stage' | 'principal' | 'origin' | 'originPath'>;

/**
 * An object a job reads from or writes to `uri` as SageMaker uses S3 URIs: an `S3Prefix` names
 * every key that starts with it, so a URI ending in `/` or a last segment without an extension is
 * a folder (its sample object is `part-00000`), anything else is the object itself.
 */
export function objectUnder(uri: string, file = 'part-00000'): string {
  if (uri.endsWith('/')) return `${uri}${file}`;
  const last = uri.split('/').at(-1) ?? '';
  return last.includes('.') ? uri : `${uri}/${file}`;
}

/**
 * Reading `objectUri`: `s3:GetObject`, and `kms:Decrypt` of the bucket's key as S3 asks it on the
 * caller's behalf (`kms:ViaService`, the caller's account, the bucket or object as encryption
 * context). With `listPrefix`, also `s3:ListBucket` of the prefix (SageMaker lists an S3Prefix).
 */
export function s3ReadCalls(
  inventory: PolicyInventory,
  caller: Caller,
  objectUri: string,
  options: { listPrefix?: string } = {},
): RunTimeCall[] {
  const { bucket, key } = parseS3Uri(objectUri);
  const record = inventory.buckets.get(bucket);
  const partition = record?.stage.partition ?? 'aws';
  const calls: RunTimeCall[] = [
    { ...caller, action: 's3:GetObject', resource: s3Arn(partition, bucket, key) },
  ];
  if (options.listPrefix !== undefined) {
    calls.push({
      ...caller,
      action: 's3:ListBucket',
      resource: s3Arn(partition, bucket),
      context: { 's3:prefix': options.listPrefix },
    });
  }
  if (record?.encryptionKeyArn) {
    calls.push(kmsViaS3(caller, 'kms:Decrypt', record.encryptionKeyArn, bucket, key, inventory));
  }
  return calls;
}

/**
 * Writing `objectUri`: `s3:PutObject` (an object-creating operation, `If-None-Match: *` when the
 * writer makes it conditional), and `kms:GenerateDataKey` of `kmsKeyArn` (the key the writer
 * names, else the bucket's default key) as S3 asks it on the caller's behalf.
 */
export function s3WriteCalls(
  inventory: PolicyInventory,
  caller: Caller,
  objectUri: string,
  kmsKeyArn?: string,
  options: { readonly ifNoneMatch?: boolean } = {},
): RunTimeCall[] {
  const { bucket, key } = parseS3Uri(objectUri);
  const record = inventory.buckets.get(bucket);
  const partition = record?.stage.partition ?? 'aws';
  const calls: RunTimeCall[] = [
    {
      ...caller,
      action: 's3:PutObject',
      resource: s3Arn(partition, bucket, key),
      context: {
        's3:ObjectCreationOperation': 'true',
        ...(options.ifNoneMatch ? { 's3:if-none-match': '*' } : {}),
      },
    },
  ];
  const encryptionKey = kmsKeyArn ?? record?.encryptionKeyArn;
  if (encryptionKey) {
    calls.push(kmsViaS3(caller, 'kms:GenerateDataKey', encryptionKey, bucket, key, inventory));
  }
  return calls;
}

function kmsViaS3(
  caller: Caller,
  action: string,
  keyArn: string,
  bucket: string,
  key: string,
  inventory: PolicyInventory,
): RunTimeCall {
  const record = inventory.buckets.get(bucket);
  const partition = record?.stage.partition ?? 'aws';
  const region = parseArn(keyArn)?.region ?? record?.stage.region;
  const callerAccount = parseArn(caller.principal)?.account;
  return {
    ...caller,
    action,
    resource: keyArn,
    context: {
      'kms:ViaService': `s3.${region}.amazonaws.com`,
      ...(callerAccount ? { 'kms:CallerAccount': callerAccount } : {}),
      'kms:EncryptionContext:aws:s3:arn': record?.bucketKeyEnabled
        ? s3Arn(partition, bucket)
        : s3Arn(partition, bucket, key),
    },
  };
}
