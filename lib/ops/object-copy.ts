import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

type S3Sender = Pick<S3Client, 'send'>;

/** An object by bucket and key. */
export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** The object a promotion copies: at a version, with the bytes' SHA-256 when the package records it. */
export interface SourceObject extends ObjectLocation {
  /** The S3 version to copy; `null` (an unversioned bucket's) or absent: the current object. */
  readonly versionId?: string;
  /** SHA-256 (hex) the bytes must have; absent: not checked. */
  readonly sha256?: string;
}

/** What a copy did, and what the target object is. */
export interface CopyOutcome {
  readonly outcome: 'copied' | 'present';
  /** The target object's S3 version (`null` in an unversioned bucket). */
  readonly versionId: string;
  /** SHA-256 (hex) of the bytes copied, or found at the target, when they were read. */
  readonly sha256?: string;
}

/** The metadata key that says which object (and version) a copy was made from. */
export const COPIED_FROM = 'mlenv-copied-from';

/** The largest object one `PutObject` writes (5 GiB); larger ones are written in parts. */
export const SINGLE_PUT_LIMIT = 5 * 1024 ** 3;
const PART_SIZE = 512 * 1024 ** 2;

/**
 * Copies `from` (at its version) to `to`, encrypted with `kmsKeyArn` (the target bucket's key,
 * with an S3 bucket key), and records the source in the copy's metadata. The bytes go through
 * this process: they are hashed on the way and refused when they are not `from.sha256`; they are
 * written with `If-None-Match: *`, which the models bucket requires under a run's prefix (so a
 * server-side CopyObject, which takes no such header, cannot be used). An object already at `to`
 * that is a copy of `from` is left as it is ('present'), once its bytes are checked; any other
 * object there is never overwritten.
 */
export async function copyObjectOnce(
  s3: S3Sender,
  from: SourceObject,
  to: ObjectLocation,
  kmsKeyArn: string,
): Promise<CopyOutcome> {
  const source = `s3://${from.bucket}/${from.key}`;
  const version = from.versionId && from.versionId !== 'null' ? from.versionId : undefined;
  const shown = `${source}${version ? ` (version ${version})` : ''}`;
  // A listing tells a missing object from a forbidden one (a HEAD answers 403 for both without ListBucket).
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: to.bucket, Prefix: to.key, MaxKeys: 1 }));
  if (listing.Contents?.[0]?.Key === to.key) {
    const there = await s3.send(new HeadObjectCommand({ Bucket: to.bucket, Key: to.key }));
    if (there.Metadata?.[COPIED_FROM]?.split('?')[0] !== source) {
      throw new Error(
        `s3://${to.bucket}/${to.key} exists and is not a copy of ${source}: a promotion never overwrites an object`,
      );
    }
    const sha256 = from.sha256 ? await sha256Of(s3, to) : undefined;
    if (from.sha256 && sha256 !== from.sha256) {
      throw new Error(
        `s3://${to.bucket}/${to.key} is a copy of ${source} with SHA-256 ${sha256}, not ${from.sha256} as the package records: its bytes changed after they were copied`,
      );
    }
    return { outcome: 'present', versionId: there.VersionId ?? 'null', sha256 };
  }

  const scratch = mkdtempSync(join(tmpdir(), 'mlenv-copy-'));
  try {
    const file = join(scratch, 'object');
    const object = await s3.send(
      new GetObjectCommand({ Bucket: from.bucket, Key: from.key, VersionId: version }),
    );
    const hash = createHash('sha256');
    await pipeline(
      object.Body as Readable,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(file),
    );
    const sha256 = hash.digest('hex');
    if (from.sha256 && sha256 !== from.sha256) {
      throw new Error(
        `${shown} has SHA-256 ${sha256}, but the package records ${from.sha256}: its bytes changed after they were evaluated; nothing was copied`,
      );
    }
    const target = {
      Bucket: to.bucket,
      Key: to.key,
      ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: kmsKeyArn,
      BucketKeyEnabled: true,
      ContentType: object.ContentType,
      Metadata: { [COPIED_FROM]: version ? `${source}?versionId=${version}` : source },
    };
    const size = object.ContentLength ?? 0;
    const written =
      size <= SINGLE_PUT_LIMIT
        ? await s3.send(
            new PutObjectCommand({
              ...target,
              Body: createReadStream(file),
              ContentLength: size,
              IfNoneMatch: '*',
            }),
          )
        : await putInParts(s3, target, file, size);
    return { outcome: 'copied', versionId: written.VersionId ?? 'null', sha256 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** SHA-256 (hex) of an object's current bytes. */
async function sha256Of(s3: S3Sender, at: ObjectLocation): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A multipart upload of `file`, completed with `If-None-Match: *` (the parts take no condition). */
async function putInParts(
  s3: S3Sender,
  target: { Bucket: string; Key: string } & Record<string, unknown>,
  file: string,
  size: number,
): Promise<{ VersionId?: string }> {
  const upload = await s3.send(new CreateMultipartUploadCommand(target));
  try {
    const parts = [];
    for (let start = 0, number = 1; start < size; start += PART_SIZE, number++) {
      const end = Math.min(start + PART_SIZE, size) - 1;
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: target.Bucket,
          Key: target.Key,
          UploadId: upload.UploadId,
          PartNumber: number,
          Body: createReadStream(file, { start, end }),
          ContentLength: end - start + 1,
        }),
      );
      parts.push({ PartNumber: number, ETag: part.ETag });
    }
    return await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.Bucket,
        Key: target.Key,
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: parts },
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    await s3
      .send(
        new AbortMultipartUploadCommand({
          Bucket: target.Bucket,
          Key: target.Key,
          UploadId: upload.UploadId,
        }),
      )
      .catch(() => undefined);
    throw error;
  }
}
