/** Options of `ObjectStore.put`. */
export interface PutObjectOptions {
  /** Encrypt the object with this KMS key (SSE-KMS), as a job's output `KmsKeyId` asks. @default - the bucket's default */
  readonly kmsKeyId?: string;
}

/**
 * The part of S3 that local SageMaker jobs use, addressed by `s3://bucket/key` URIs: the emulator's
 * S3 (`S3ObjectStore`) or memory (`MemoryObjectStore`, for tests).
 */
export interface ObjectStore {
  /** The object's content; rejects with `NoSuchKeyError` when there is none. */
  get(uri: string): Promise<Buffer>;
  put(uri: string, body: Buffer | string, options?: PutObjectOptions): Promise<void>;
  /** The URIs of every object whose key starts with the key of `prefixUri`, sorted. */
  list(prefixUri: string): Promise<string[]>;
  /** Deletes the object (nothing happens if there is none). */
  delete(uri: string): Promise<void>;
}

/** `get` of an object that does not exist. */
export class NoSuchKeyError extends Error {
  public constructor(public readonly uri: string) {
    super(`The specified key does not exist: ${uri}`);
    this.name = 'NoSuchKey';
  }
}
