import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { checkRunString, DatasetLayout, isRunString, type LatestDatasetVersion } from '../../constructs';
import { type DatasetFile, datasetFileProblems } from './dataset-files';

export type { DatasetFile } from './dataset-files';

export interface DatasetManifest {
  readonly dataset: string;
  readonly version: string;
  readonly createdAt: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly sha256: string; readonly size: number }>;
}

/** The files under `dir` (regular files, hidden ones skipped), with their sha256. */
export function filesOf(dir: string): DatasetFile[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : []));
  let found: string[];
  try {
    found = walk(dir);
  } catch (error) {
    throw new Error(`cannot read ${dir}: ${(error as Error).message}`, { cause: error });
  }
  if (found.length === 0) throw new Error(`${dir} has no files to push`);
  return found.sort().map((file) => {
    const hash = createHash('sha256');
    hash.update(readFileSync(file));
    return {
      path: relative(dir, file).split(sep).join('/'),
      size: statSync(file).size,
      sha256: hash.digest('hex'),
      body: () => createReadStream(file),
    };
  });
}

/** One in-memory file (the local environment's sample dataset). */
export function fileOf(path: string, content: string | Buffer): DatasetFile {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  return {
    path,
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    body: () => data,
  };
}

/** A version id from the files' paths, hashes and sizes: the same files are the same version. */
export function datasetVersion(files: readonly DatasetFile[]): string {
  const lines = [...files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => `${f.path}\t${f.sha256}\t${f.size}`)
    .join('\n');
  return createHash('sha256').update(lines).digest('hex').slice(0, 16);
}

export interface PushOptions {
  readonly bucket: string;
  readonly dataset: string;
  /** The key that encrypts the raw bucket's objects. */
  readonly kmsKeyId?: string;
  /** Told the bytes done so far (uploaded, copied or already there) and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops the push between and inside uploads; the version then has no manifest. */
  readonly signal?: AbortSignal;
  /** Files larger than this are uploaded in parts of this size. @default 8 MiB */
  readonly partSize?: number;
  /**
   * The column every CSV file's header must have (the model's target): a push without it, or
   * without any CSV file, is refused before anything is written.
   * @default - any CSV header
   */
  readonly targetColumn?: string;
}

export interface PushResult {
  readonly version: string;
  /** False when the version existed already (no file and no manifest was written). */
  readonly created: boolean;
  /**
   * Whether the push wrote `latest.json` (which starts the training pipeline): for a new version;
   * for an existing one only when it is the newest and `latest.json` does not name it (a push that
   * failed between its manifest and `latest.json`).
   */
  readonly latest: boolean;
  /** The version `latest.json` names after the push: another one when an older version was pushed again. */
  readonly latestVersion?: string;
  readonly datasetS3Uri: string;
  readonly uploaded: number;
  readonly copied: number;
  readonly skipped: number;
  readonly bytes: number;
}

type S3Sender = Pick<S3Client, 'send'>;

/**
 * Pushes `files` as a version of `dataset` (laid out as `DatasetLayout` says): each file not
 * already in the version is copied server-side from an earlier version that has the same content,
 * or uploaded (in parts when large); then the manifest; last, `latest.json` names the new version
 * (its creation starts the training pipeline). Pushing the same files again writes nothing, and an
 * interrupted push leaves `latest.json` as it was. `latest.json` names the complete version created
 * last, the newest of `listDatasetVersions`.
 */
export async function pushDataset(
  s3: S3Sender,
  files: readonly DatasetFile[],
  options: PushOptions,
): Promise<PushResult> {
  const { bucket } = options;
  // Both become keys (`<dataset>/versions/<version>/`): names of the grammar of run-time strings.
  const dataset = checkRunString('dataset', 'name', options.dataset);
  const version = checkRunString('version', 'name', datasetVersion(files));
  const problems = await datasetFileProblems(files, options.targetColumn);
  if (problems.length > 0) {
    throw new Error(`cannot push ${dataset}: ${problems.join('; ')}`);
  }
  const dir = DatasetLayout.versionDir(dataset, version);
  const result = {
    version,
    datasetS3Uri: DatasetLayout.versionUri(bucket, dataset, version),
    uploaded: 0,
    copied: 0,
    skipped: 0,
  };
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const encryption = options.kmsKeyId
    ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: options.kmsKeyId }
    : {};
  const writeLatest = () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: DatasetLayout.latestKey(dataset),
        Body: JSON.stringify(DatasetLayout.latest(bucket, dataset, version), null, 2),
        ContentType: 'application/json',
        ...encryption,
      }),
    );
  if (await exists(s3, bucket, DatasetLayout.manifestKey(dataset, version))) {
    // Nothing to write, unless a push of this version failed after its manifest: then the newest
    // version is not the latest yet.
    const [newest] = await listDatasetVersions(s3, bucket, dataset);
    const pointer = await readJson<LatestDatasetVersion>(s3, bucket, DatasetLayout.latestKey(dataset));
    const behind = newest?.version === version && pointer?.version !== version;
    if (behind) await writeLatest();
    return {
      ...result,
      created: false,
      latest: behind,
      latestVersion: behind ? version : pointer?.version,
      bytes,
      skipped: files.length,
    };
  }
  const earlier = await earlierCopies(s3, bucket, dataset);
  let done = 0;
  const progress = (n: number) => {
    done += n;
    options.onProgress?.(done, bytes);
  };
  for (const file of files) {
    options.signal?.throwIfAborted();
    const key = `${dir}/${file.path}`;
    const head = await headObject(s3, bucket, key);
    if (head?.Metadata?.sha256 === file.sha256) {
      result.skipped++;
      progress(file.size);
      continue;
    }
    const source = earlier.get(file.sha256);
    if (source) {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: `${bucket}/${source.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: { sha256: file.sha256 },
          ...encryption,
        }),
      );
      result.copied++;
      progress(file.size);
      continue;
    }
    let sent = 0;
    const upload = new Upload({
      client: s3 as S3Client,
      params: {
        Bucket: bucket,
        Key: key,
        Body: file.body() as never,
        Metadata: { sha256: file.sha256 },
        ...encryption,
      },
      partSize: options.partSize ?? 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (p) => {
      if (p.loaded !== undefined) {
        progress(p.loaded - sent);
        sent = p.loaded;
      }
    });
    const abort = () => void upload.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
    options.signal?.throwIfAborted();
    progress(file.size - sent);
    result.uploaded++;
  }
  const manifest: DatasetManifest = {
    dataset,
    version,
    createdAt: new Date().toISOString(),
    files: files.map(({ path, sha256, size }) => ({ path, sha256, size })),
  };
  options.signal?.throwIfAborted();
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: DatasetLayout.manifestKey(dataset, version),
      Body: JSON.stringify(manifest, null, 2),
      ContentType: 'application/json',
      ...encryption,
    }),
  );
  // The version is complete: only now may the pipelines see it (not interruptible any more: an
  // existing version's push would not write latest.json).
  await writeLatest();
  return { ...result, created: true, latest: true, latestVersion: version, bytes };
}

/** A version of a dataset, as `mlenv data ls` shows it. */
export interface DatasetVersionSummary {
  readonly version: string;
  readonly createdAt: string;
  readonly files: number;
  readonly bytes: number;
  readonly datasetS3Uri: string;
}

/**
 * The complete versions of `dataset` (those with a manifest), newest first. A folder whose name is
 * not a version (a name of the grammar of run-time strings, not `latest`), or whose manifest names
 * another version, is none: no pipeline would take it.
 */
export async function listDatasetVersions(
  s3: S3Sender,
  bucket: string,
  dataset: string,
): Promise<DatasetVersionSummary[]> {
  const manifests = await readManifests(s3, bucket, dataset);
  return manifests
    .map((m) => ({
      version: m.version,
      createdAt: m.createdAt,
      files: m.files.length,
      bytes: m.files.reduce((n, f) => n + f.size, 0),
      datasetS3Uri: DatasetLayout.versionUri(bucket, dataset, m.version),
    }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

async function readManifests(s3: S3Sender, bucket: string, dataset: string): Promise<DatasetManifest[]> {
  const prefix = DatasetLayout.versionsPrefix(dataset);
  const versions: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    versions.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!.slice(prefix.length, -1)));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const manifests = await Promise.all(
    // A version without a manifest is an interrupted push.
    versions
      .filter((version) => isDatasetVersion(version))
      .map(async (version) => {
        const manifest = await readJson<DatasetManifest>(
          s3,
          bucket,
          DatasetLayout.manifestKey(dataset, version),
        );
        return manifest?.version === version ? manifest : undefined;
      }),
  );
  return manifests.filter((m): m is DatasetManifest => m !== undefined);
}

/** Whether `version` may name a pushed version: a name of the grammar, and not `latest`. */
export function isDatasetVersion(version: unknown): version is string {
  return isRunString('name', version) && version !== DatasetLayout.LATEST;
}

/** `version` if it may name a pushed version (`isDatasetVersion`); else an error naming `field` and the rule. */
export function checkDatasetVersion(field: string, version: unknown): string {
  checkRunString(field, 'name', version);
  if (version === DatasetLayout.LATEST) {
    throw new Error(`${field} '${DatasetLayout.LATEST}' is not a version: it names the newest one`);
  }
  return version as string;
}

/** A JSON object of the bucket; undefined when there is none at `key`. */
async function readJson<T>(s3: S3Sender, bucket: string, key: string): Promise<T | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString('utf8')) as T;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Where earlier versions hold each file content (sha256 -> key). */
async function earlierCopies(s3: S3Sender, bucket: string, dataset: string): Promise<Map<string, string>> {
  const copies = new Map<string, string>();
  for (const m of await readManifests(s3, bucket, dataset)) {
    for (const f of m.files)
      copies.set(f.sha256, `${DatasetLayout.versionDir(dataset, m.version)}/${f.path}`);
  }
  return copies;
}

async function headObject(s3: S3Sender, bucket: string, key: string) {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
      return undefined;
    throw error;
  }
}

const exists = async (s3: S3Sender, bucket: string, key: string) =>
  (await headObject(s3, bucket, key)) !== undefined;
