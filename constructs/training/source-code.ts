import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { type ArchiveEntry, deterministicTarGz } from '../../cfn/deterministic-tar';

/** Options for `SourceCode.fromDirectory`. */
export interface SourceCodeOptions {
  /**
   * The files of the directory to ship (top level only).
   * @default - every `*.py` file at the top level of the directory
   */
  readonly files?: string[];
  /**
   * Python packages (directories) shipped beside the files, each under its own name: the `.py`
   * files of `/src/mlenv_model` become `mlenv_model/<file>` in the archive (byte-code caches and
   * anything else are left out), so the scripts import them as they would beside them.
   * @default - none
   */
  readonly packages?: string[];
}

/** The result of binding `SourceCode` to a scope. */
export interface SourceCodeConfig {
  /** The uploaded archive. */
  readonly asset: s3assets.Asset;
  /** `s3://` URI of the archive. */
  readonly s3Uri: string;
  /** File name of the archive once a job has downloaded it (its S3 object key). */
  readonly archiveName: string;
  /** The files in the archive, by their paths in it (`train.py`, `mlenv_model/cli.py`). */
  readonly files: readonly string[];
  /** Where the archive was built on this machine. */
  readonly localPath: string;
}

/**
 * The code of an ML workload, shipped to SageMaker the way script mode expects it: one
 * `sourcedir.tar.gz` (a CDK directory asset would be a `.zip`). The archive is built at synth
 * time, byte for byte the same for the same files, so its asset hash changes only with the code.
 */
export class SourceCode {
  public static fromDirectory(directory: string, options: SourceCodeOptions = {}): SourceCode {
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      throw new Error(`Source directory not found: ${directory}`);
    }
    const files =
      options.files ??
      readdirSync(directory).filter((f) => f.endsWith('.py') && statSync(join(directory, f)).isFile());
    const missing = files.filter((f) => !existsSync(join(directory, f)));
    if (missing.length > 0) throw new Error(`Source files not found in ${directory}: ${missing.join(', ')}`);
    if (files.length === 0) throw new Error(`No source files in ${directory}`);
    const entries = files.map((f) => ({ name: basename(f), path: join(directory, f) }));
    for (const pkg of options.packages ?? []) {
      if (!existsSync(join(pkg, '__init__.py')))
        throw new Error(`Not a Python package (no __init__.py): ${pkg}`);
      const modules = readdirSync(pkg).filter((f) => f.endsWith('.py') && statSync(join(pkg, f)).isFile());
      entries.push(...modules.map((f) => ({ name: `${basename(pkg)}/${f}`, path: join(pkg, f) })));
    }
    const names = entries.map((e) => e.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0)
      throw new Error(`Source files shipped twice from ${directory}: ${twice.join(', ')}`);
    return new SourceCode(entries.sort((a, b) => a.name.localeCompare(b.name)));
  }

  private constructor(
    private readonly entries: readonly { readonly name: string; readonly path: string }[],
  ) {}

  /** Builds the archive (once per content in a process) and adds it to `scope` as an asset with id `id`. */
  public bind(scope: Construct, id: string): SourceCodeConfig {
    const path = archivePath(this.entries.map(({ name, path }) => ({ name, content: readFileSync(path) })));
    const asset = new s3assets.Asset(scope, id, { path });
    return {
      asset,
      s3Uri: asset.s3ObjectUrl,
      archiveName: asset.s3ObjectKey,
      files: this.entries.map((e) => e.name),
      localPath: path,
    };
  }
}

/** The archives written by this process, by the SHA-256 of their entries: an app with many models compresses once. */
const archives = new Map<string, string>();

function archivePath(entries: readonly ArchiveEntry[]): string {
  const key = createHash('sha256');
  for (const { name, content } of entries) key.update(`${name}\0${content.length}\0`).update(content);
  const digest = key.digest('hex');
  const known = archives.get(digest);
  if (known && existsSync(known)) return known;
  const archive = deterministicTarGz(entries);
  const dir = join(tmpdir(), 'mlenv-source', createHash('sha256').update(archive).digest('hex'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sourcedir.tar.gz');
  writeFileSync(path, archive);
  archives.set(digest, path);
  return path;
}
