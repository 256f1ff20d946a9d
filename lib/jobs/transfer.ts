import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectStore, PutObjectOptions } from '../ops/object-store';
import { joinS3Uri, parseS3Uri } from '../ops/s3-uri';

/** A job input or output that SageMaker would reject: the job fails with this reason. */
export class ClientError extends Error {
  public constructor(message: string) {
    super(`ClientError: ${message}`);
    this.name = 'ClientError';
  }
}

/**
 * Downloads an `S3Prefix` input into `directory`, as SageMaker's File mode does: each object whose
 * key starts with the prefix, at its key relative to the prefix's last `/` (so `.../train/` gives
 * `train.csv`, `.../train` gives `train/train.csv`, and a whole key gives its file name). Returns
 * the local files; no object at all is a `ClientError`.
 */
export async function downloadPrefix(
  store: ObjectStore,
  s3Uri: string,
  directory: string,
): Promise<string[]> {
  const { key: prefix } = parseS3Uri(s3Uri);
  const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const uris = (await store.list(s3Uri)).filter((uri) => !uri.endsWith('/'));
  if (uris.length === 0) throw new ClientError(`No S3 objects found under S3 URL "${s3Uri}"`);
  mkdirSync(directory, { recursive: true });
  const files: string[] = [];
  for (const uri of uris) {
    const path = join(directory, ...parseS3Uri(uri).key.slice(base.length).split('/'));
    if (!path.startsWith(directory + sep))
      throw new ClientError(`Object key leaves the input directory: ${uri}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await store.get(uri));
    files.push(path);
  }
  return files;
}

/** Every file under `directory`, as paths relative to it with `/` separators, sorted. */
export function filesUnder(directory: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(relative(directory, path).split(sep).join('/'));
    }
  };
  walk(directory);
  return found.sort();
}

/** Uploads every file under `directory` to `s3Uri/<relative path>`; returns the URIs written. */
export async function uploadDirectory(
  store: ObjectStore,
  directory: string,
  s3Uri: string,
  options: PutObjectOptions = {},
): Promise<string[]> {
  const uris: string[] = [];
  for (const file of filesUnder(directory)) {
    const uri = joinS3Uri(s3Uri, file);
    await store.put(uri, readFileSync(join(directory, ...file.split('/'))), options);
    uris.push(uri);
  }
  return uris;
}
