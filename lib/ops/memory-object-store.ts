import { type ObjectStore, NoSuchKeyError, type PutObjectOptions } from './object-store';
import { formatS3Uri, parseS3Uri } from './s3-uri';

/** An object as `MemoryObjectStore` holds it. */
export interface StoredObject {
  readonly body: Buffer;
  readonly kmsKeyId?: string;
}

/** An `ObjectStore` in memory, for tests: objects by `s3://bucket/key`. */
export class MemoryObjectStore implements ObjectStore {
  public readonly objects = new Map<string, StoredObject>();

  public async get(uri: string): Promise<Buffer> {
    const object = this.objects.get(normalize(uri));
    if (!object) throw new NoSuchKeyError(uri);
    return object.body;
  }

  public async put(uri: string, body: Buffer | string, options: PutObjectOptions = {}): Promise<void> {
    const location = parseS3Uri(uri);
    if (location.key === '') throw new Error(`No key in ${uri}`);
    this.objects.set(formatS3Uri(location), {
      body: Buffer.from(body),
      ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}),
    });
  }

  public async delete(uri: string): Promise<void> {
    this.objects.delete(normalize(uri));
  }

  public async list(prefixUri: string): Promise<string[]> {
    const prefix = normalize(prefixUri);
    return [...this.objects.keys()].filter((uri) => uri.startsWith(prefix)).sort();
  }
}

function normalize(uri: string): string {
  return formatS3Uri(parseS3Uri(uri));
}
