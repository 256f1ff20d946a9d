import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type ObjectStore, NoSuchKeyError, type PutObjectOptions } from './object-store';
import { formatS3Uri, parseS3Uri } from './s3-uri';

/** The part of an `S3Client` that `S3ObjectStore` uses (a real client, or a fake in tests). */
export type S3Sender = Pick<S3Client, 'send'>;

/**
 * An `ObjectStore` over the S3 API of any endpoint: AWS, or the local emulator (give the client
 * `endpoint` and `forcePathStyle: true`).
 */
export class S3ObjectStore implements ObjectStore {
  public constructor(private readonly client: S3Sender) {}

  public async get(uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!output.Body) throw new NoSuchKeyError(uri);
      return Buffer.from(await output.Body.transformToByteArray());
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') throw new NoSuchKeyError(uri);
      throw error;
    }
  }

  public async put(uri: string, body: Buffer | string, options: PutObjectOptions = {}): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: typeof body === 'string' ? Buffer.from(body) : body,
        ...(options.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId } : {}),
      }),
    );
  }

  public async delete(uri: string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  public async list(prefixUri: string): Promise<string[]> {
    const { bucket, key } = parseS3Uri(prefixUri);
    const uris: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) uris.push(formatS3Uri({ bucket, key: object.Key }));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return uris.sort();
  }
}
