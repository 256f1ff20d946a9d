import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';

type S3Sender = Pick<S3Client, 'send'>;

/** An object by bucket and key. */
export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** The metadata key that says which object (and version) a copy was made from. */
export const COPIED_FROM = 'mlenv-copied-from';

/** The largest object one `CopyObject` copies (5 GiB); larger ones are copied in parts. */
export const SINGLE_COPY_LIMIT = 5 * 1024 ** 3;
const PART_SIZE = 512 * 1024 ** 2;

/**
 * Copies `from` to `to` server-side, encrypted with `kmsKeyArn` (the target bucket's key, with an
 * S3 bucket key), and records the source in the copy's metadata. An object already at `to` that is
 * a copy of `from` is left as it is ('present'); any other object there is never overwritten.
 */
export async function copyObjectOnce(
  s3: S3Sender,
  from: ObjectLocation,
  to: ObjectLocation,
  kmsKeyArn: string,
): Promise<'copied' | 'present'> {
  const source = `s3://${from.bucket}/${from.key}`;
  // A listing tells a missing object from a forbidden one (a HEAD answers 403 for both without ListBucket).
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: to.bucket, Prefix: to.key, MaxKeys: 1 }));
  if (listing.Contents?.[0]?.Key === to.key) {
    const there = await s3.send(new HeadObjectCommand({ Bucket: to.bucket, Key: to.key }));
    if (there.Metadata?.[COPIED_FROM]?.split('?')[0] === source) return 'present';
    throw new Error(
      `s3://${to.bucket}/${to.key} exists and is not a copy of ${source}: a promotion never overwrites an object`,
    );
  }
  const head = await s3.send(new HeadObjectCommand({ Bucket: from.bucket, Key: from.key }));
  const version = head.VersionId && head.VersionId !== 'null' ? head.VersionId : undefined;
  const copySource = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}${version ? `?versionId=${encodeURIComponent(version)}` : ''}`;
  const target = {
    Bucket: to.bucket,
    Key: to.key,
    ServerSideEncryption: 'aws:kms' as const,
    SSEKMSKeyId: kmsKeyArn,
    BucketKeyEnabled: true,
    ContentType: head.ContentType,
    Metadata: { [COPIED_FROM]: version ? `${source}?versionId=${version}` : source },
  };
  const size = head.ContentLength ?? 0;
  if (size <= SINGLE_COPY_LIMIT) {
    await s3.send(
      new CopyObjectCommand({
        ...target,
        CopySource: copySource,
        MetadataDirective: 'REPLACE',
        // Tags are not copied: copying them would need GetObjectTagging on the source.
        TaggingDirective: 'REPLACE',
      }),
    );
    return 'copied';
  }
  const upload = await s3.send(new CreateMultipartUploadCommand(target));
  try {
    const parts = [];
    for (let start = 0, number = 1; start < size; start += PART_SIZE, number++) {
      const end = Math.min(start + PART_SIZE, size) - 1;
      const part = await s3.send(
        new UploadPartCopyCommand({
          Bucket: to.bucket,
          Key: to.key,
          UploadId: upload.UploadId,
          PartNumber: number,
          CopySource: copySource,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ PartNumber: number, ETag: part.CopyPartResult?.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: to.bucket,
        Key: to.key,
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    await s3
      .send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: upload.UploadId }))
      .catch(() => undefined);
    throw error;
  }
  return 'copied';
}
