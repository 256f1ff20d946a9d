import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { filesOf, listDatasetVersions, pushDataset } from '../../lib/ops/datasets';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-datasets-'));
const work = mkdtempSync(join(tmpdir(), 'mlenv-datasets-files-'));
const bucket = 'mlenv-test-raw';
let s3: S3Client;
let clientConfig: S3ClientConfig;

beforeAll(async () => {
  const emulator = await startEmulator({ stateDir });
  clientConfig = emulatorClientConfig(emulator.port, 'us-east-1');
  s3 = new S3Client(clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** A directory with these files. */
function dir(name: string, files: Record<string, string | Buffer>): string {
  const root = join(work, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

async function keys(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A client of the emulator that records each write it sends (`PutObject <key>`), in order. */
function recordingClient(): { client: S3Client; writes: string[] } {
  const client = new S3Client(clientConfig);
  const writes: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      if (!/^(Get|Head|List)/.test(command))
        writes.push(`${command} ${String((args.input as { Key?: string }).Key)}`);
      return next(args);
    },
    { step: 'initialize', name: 'recordWrites' },
  );
  return { client, writes };
}

/** The dataset's latest.json, or undefined. */
async function latestOf(dataset: string): Promise<unknown> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: DatasetLayout.latestKey(dataset) }),
    );
    return JSON.parse(await object.Body!.transformToString());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

describe('mlenv data push | ls, against the emulator', () => {
  const first = { 'a.csv': 'x,target\n1,0\n', 'part/b.csv': 'x,target\n2,1\n' };

  test('a push writes the files, a manifest of their paths, sha256 and sizes, and last latest.json naming the version', async () => {
    const { client, writes } = recordingClient();
    const result = await pushDataset(client, filesOf(dir('v1', first)), { bucket, dataset: 'churn' });
    expect(result).toMatchObject({ created: true, latest: true, uploaded: 2, copied: 0, skipped: 0 });
    const versionDir = DatasetLayout.versionDir('churn', result.version);
    expect(result.datasetS3Uri).toBe(`s3://${bucket}/${versionDir}/`);
    expect(await keys(versionDir)).toEqual([
      `${versionDir}/a.csv`,
      `${versionDir}/manifest.json`,
      `${versionDir}/part/b.csv`,
    ]);
    const manifest = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${versionDir}/manifest.json` }))
      ).Body!.transformToString(),
    );
    expect(manifest.files).toEqual(
      Object.entries(first).map(([path, content]) => ({
        path,
        sha256: sha256(content),
        size: Buffer.byteLength(content),
      })),
    );
    expect(writes).toEqual([
      `PutObject ${versionDir}/a.csv`,
      `PutObject ${versionDir}/part/b.csv`,
      `PutObject ${versionDir}/manifest.json`,
      'PutObject churn/latest.json',
    ]);
    expect(await latestOf('churn')).toEqual({
      dataset: 'churn',
      version: result.version,
      datasetS3Uri: result.datasetS3Uri,
      manifest: `s3://${bucket}/${versionDir}/manifest.json`,
    });
  });

  test('pushing the same files again creates no new version and writes nothing, latest.json neither', async () => {
    const before = await latestOf('churn');
    const { client, writes } = recordingClient();
    const again = await pushDataset(client, filesOf(dir('v1-again', first)), { bucket, dataset: 'churn' });
    expect(again).toMatchObject({ created: false, latest: false, uploaded: 0, copied: 0 });
    expect(writes).toEqual([]);
    expect(await listDatasetVersions(s3, bucket, 'churn')).toHaveLength(1);
    expect(await latestOf('churn')).toEqual(before);
  });

  test('a changed file is a new version; unchanged files are copied in S3, not uploaded again', async () => {
    const second = await pushDataset(s3, filesOf(dir('v2', { ...first, 'part/b.csv': 'x,target\n3,1\n' })), {
      bucket,
      dataset: 'churn',
    });
    expect(second).toMatchObject({ created: true, uploaded: 1, copied: 1 });
    const versions = await listDatasetVersions(s3, bucket, 'churn');
    expect(versions.map((v) => [v.version, v.files])).toEqual([
      [second.version, 2],
      [expect.any(String), 2],
    ]);
    expect(await latestOf('churn')).toMatchObject({
      version: second.version,
      datasetS3Uri: second.datasetS3Uri,
    });

    // An older version pushed again stays older: latest.json keeps naming the newest.
    const { client, writes } = recordingClient();
    const older = await pushDataset(client, filesOf(dir('v1-once-more', first)), {
      bucket,
      dataset: 'churn',
    });
    // The older rows again: nothing is written, and the result names the latest that stays.
    expect(older).toMatchObject({ created: false, latest: false, latestVersion: second.version });
    expect(writes).toEqual([]);
    expect(await latestOf('churn')).toMatchObject({ version: second.version });
  });

  test('a push that ended between its manifest and latest.json is completed by pushing it again', async () => {
    const older = filesOf(dir('r1', { 'a.csv': 'x,target\n1,0\n' }));
    const newer = filesOf(dir('r2', { 'a.csv': 'x,target\n2,0\n' }));
    const v1 = await pushDataset(s3, older, { bucket, dataset: 'repair' });
    const v2 = await pushDataset(s3, newer, { bucket, dataset: 'repair' });
    // As if v2's push had stopped after its manifest: latest.json still names v1.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: DatasetLayout.latestKey('repair'),
        Body: JSON.stringify(DatasetLayout.latest(bucket, 'repair', v1.version)),
      }),
    );
    const { client, writes } = recordingClient();
    expect(await pushDataset(client, older, { bucket, dataset: 'repair' })).toMatchObject({
      created: false,
      latest: false,
    });
    expect(await pushDataset(client, newer, { bucket, dataset: 'repair' })).toMatchObject({
      version: v2.version,
      created: false,
      latest: true,
    });
    expect(writes).toEqual(['PutObject repair/latest.json']);
    expect(await latestOf('repair')).toEqual(DatasetLayout.latest(bucket, 'repair', v2.version));
  });

  test('an interrupted push leaves no version; pushing again completes it without uploading twice', async () => {
    // Large enough for a multipart upload (parts of 5 MiB, S3's minimum).
    const big = randomBytes(11 * 1024 * 1024);
    const files = filesOf(dir('v3', { 'small.csv': 'x,target\n9,1\n', 'zz-big.bin': big }));
    const abort = new AbortController();
    let seen = 0;
    await expect(
      pushDataset(s3, files, {
        bucket,
        dataset: 'interrupted',
        partSize: 5 * 1024 * 1024,
        signal: abort.signal,
        onProgress: (done) => {
          seen = done;
          if (done > 1024 * 1024) abort.abort(new Error('Ctrl-C'));
        },
      }),
    ).rejects.toThrow();
    expect(seen).toBeGreaterThan(0);
    expect(await listDatasetVersions(s3, bucket, 'interrupted')).toEqual([]);
    expect(await latestOf('interrupted')).toBeUndefined();
    const resumed = await pushDataset(s3, files, {
      bucket,
      dataset: 'interrupted',
      partSize: 5 * 1024 * 1024,
    });
    expect(resumed).toMatchObject({ created: true, latest: true, skipped: 1, uploaded: 1 });
    expect(await latestOf('interrupted')).toMatchObject({ version: resumed.version });
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: `${DatasetLayout.versionDir('interrupted', resumed.version)}/zz-big.bin`,
      }),
    );
    expect(sha256(Buffer.from(await object.Body!.transformToByteArray()))).toBe(sha256(big));
  });

  test('bad input is refused with a clear message', async () => {
    for (const dataset of ['Bad Name', '../other', 'a/b', '.hidden', '', 'x'.repeat(64)]) {
      await expect(pushDataset(s3, filesOf(dir('v4', first)), { bucket, dataset })).rejects.toThrow(
        `dataset ${JSON.stringify(dataset.slice(0, 60))}${dataset.length > 60 ? `... (${dataset.length} characters)` : ''} is not valid: it must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit`,
      );
    }
    expect(() => filesOf(join(work, 'missing'))).toThrow(/^cannot read /);
    mkdirSync(join(work, 'empty'));
    expect(() => filesOf(join(work, 'empty'))).toThrow('has no files to push');
  });

  test('files with no CSV, or a CSV without the target column, are refused before anything is written', async () => {
    const { client, writes } = recordingClient();
    await expect(
      pushDataset(client, filesOf(dir('no-csv', { 'data.parquet': 'PAR1', 'notes.txt': 'x' })), {
        bucket,
        dataset: 'refused',
      }),
    ).rejects.toThrow(
      /^cannot push refused: no \.csv file among its 2 file\(s\) \(data\.parquet, notes\.txt\)/,
    );
    const files = filesOf(
      dir('no-target', { 'a.csv': 'x,target\n1,0\n', 'b.csv': '\uFEFFx,"Label"\r\n1,0\r\n' }),
    );
    await expect(
      pushDataset(client, files, { bucket, dataset: 'refused', targetColumn: 'target' }),
    ).rejects.toThrow("cannot push refused: b.csv has no 'target' column (its header: x, Label)");
    // A header with the column (quoted, after a byte-order mark, CRLF) is accepted.
    await pushDataset(client, filesOf(dir('quoted', { 'a.csv': '\uFEFF"x","target"\r\n1,0\r\n' })), {
      bucket,
      dataset: 'accepted',
      targetColumn: 'target',
    });
    expect(writes.filter((w) => w.includes('refused'))).toEqual([]);
    expect(await latestOf('refused')).toBeUndefined();
    expect(await latestOf('accepted')).toBeDefined();
  });

  test('a folder that is not a version, or whose manifest names another, is not listed (nor trained on)', async () => {
    const pushed = await pushDataset(s3, filesOf(dir('listed', first)), { bucket, dataset: 'listing' });
    const manifest = (version: string) =>
      JSON.stringify({ dataset: 'listing', version, createdAt: '2099-01-01T00:00:00.000Z', files: [] });
    // Written by hand, newer than the pushed one: none of them is a version.
    for (const [folder, names] of [
      ['v1.2', 'v1.2'],
      ['latest', 'latest'],
      ['other', '../features'],
      ['-x', '-x'],
    ]) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: DatasetLayout.manifestKey('listing', folder),
          Body: manifest(names),
        }),
      );
    }
    expect((await listDatasetVersions(s3, bucket, 'listing')).map((v) => v.version)).toEqual([
      pushed.version,
    ]);
  });
});
