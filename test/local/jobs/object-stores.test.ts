import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { NoSuchKeyError } from '../../../lib/ops/object-store';
import { S3ObjectStore } from '../../../lib/ops/s3-object-store';
import { joinS3Uri, parseS3Uri } from '../../../lib/ops/s3-uri';

/** A fake S3 API over a MemoryObjectStore, pages of two objects, recording the commands it got. */
function fakeS3(backing: MemoryObjectStore) {
  const commands: Array<{ name: string; input: any }> = [];
  const send = async (command: any) => {
    commands.push({ name: command.constructor.name, input: command.input });
    const { Bucket, Key, Prefix, ContinuationToken } = command.input;
    if (command instanceof GetObjectCommand) {
      const body = await backing.get(`s3://${Bucket}/${Key}`).catch(() => {
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      });
      return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
    }
    if (command instanceof PutObjectCommand) {
      return backing.put(`s3://${Bucket}/${Key}`, command.input.Body as Buffer, {
        kmsKeyId: command.input.SSEKMSKeyId,
      });
    }
    if (command instanceof ListObjectsV2Command) {
      const all = await backing.list(`s3://${Bucket}/${Prefix ?? ''}`);
      const start = Number(ContinuationToken ?? 0);
      const page = all.slice(start, start + 2);
      return {
        Contents: page.map((uri) => ({ Key: parseS3Uri(uri).key })),
        IsTruncated: start + 2 < all.length,
        NextContinuationToken: String(start + 2),
      };
    }
    throw new Error(`unexpected ${command.constructor.name}`);
  };
  return { client: { send } as unknown as Pick<S3Client, 'send'>, commands };
}

describe.each([
  ['MemoryObjectStore', () => ({ store: new MemoryObjectStore(), commands: [] as any[] })],
  [
    'S3ObjectStore',
    () => {
      const { client, commands } = fakeS3(new MemoryObjectStore());
      return { store: new S3ObjectStore(client), commands };
    },
  ],
])('%s', (_name, make) => {
  test('puts, gets and lists objects by s3:// URI', async () => {
    const { store } = make();
    for (const key of ['runs/1/train/a.csv', 'runs/1/train/b.csv', 'runs/1/train_old/c.csv', 'runs/2/x']) {
      await store.put(`s3://bucket/${key}`, key);
    }
    expect((await store.get('s3://bucket/runs/1/train/b.csv')).toString()).toBe('runs/1/train/b.csv');
    expect(await store.list('s3://bucket/runs/1/train/')).toEqual([
      's3://bucket/runs/1/train/a.csv',
      's3://bucket/runs/1/train/b.csv',
    ]);
    expect(await store.list('s3://bucket/runs/1/train')).toHaveLength(3);
    expect(await store.list('s3://bucket/runs/')).toHaveLength(4);
    expect(await store.list('s3://other/')).toEqual([]);
  });

  test('a missing object is a NoSuchKeyError', async () => {
    const { store } = make();
    await expect(store.get('s3://bucket/none')).rejects.toThrow(NoSuchKeyError);
  });
});

test('S3ObjectStore encrypts with the KMS key it is given, and pages through listings', async () => {
  const backing = new MemoryObjectStore();
  const { client, commands } = fakeS3(backing);
  const store = new S3ObjectStore(client);
  for (const n of [1, 2, 3, 4, 5]) await store.put(`s3://b/k/${n}`, 'x', { kmsKeyId: 'arn:aws:kms:key/1' });
  expect(commands[0].input).toMatchObject({
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: 'arn:aws:kms:key/1',
  });
  expect(await store.list('s3://b/k/')).toHaveLength(5);
  expect(commands.filter((c) => c.name === 'ListObjectsV2Command')).toHaveLength(3);
  expect(backing.objects.get('s3://b/k/1')?.kmsKeyId).toBe('arn:aws:kms:key/1');
});

test('s3:// URIs', () => {
  expect(parseS3Uri('s3://bucket/a/b/')).toEqual({ bucket: 'bucket', key: 'a/b/' });
  expect(parseS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', key: '' });
  expect(() => parseS3Uri('https://bucket.s3.amazonaws.com/a')).toThrow('Not an s3:// URI');
  expect(joinS3Uri('s3://b/runs/1/', 'job/output')).toBe('s3://b/runs/1/job/output');
  expect(joinS3Uri('s3://b/runs/1', '/job')).toBe('s3://b/runs/1/job');
});
