import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { REPO_ROOT } from '../app/cdk-context';
import { gitCodeVersion } from '../app/code-version';

/**
 * What the app (`cdk.json`'s `bin/app.ts`) synthesized a deploy from: the content hash of every
 * file it reads, and the code version it stamped into the pipelines. Recorded when the local
 * stage is deployed, so that a later command can tell, in milliseconds, that the working tree is
 * no longer what the emulator runs (synthesizing again to compare assemblies takes 30 s or more).
 */
export interface AppInputs {
  /** `gitCodeVersion()`: the commit, `-dirty` with uncommitted changes (recorded in lineage). */
  readonly codeVersion: string;
  /** Path from the repository root to the SHA-256 of the file's content. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * Whole folders and files the app reads besides its TypeScript: the configuration, the
 * constructs, the model code the source archives and Spark scripts are built from (tests and
 * docs are not shipped), the pins, the CDK settings and the locked versions.
 */
const READ_BY_THE_APP = [
  'bin',
  'config',
  'constructs',
  'deployments',
  'ml',
  'cdk.json',
  'package.json',
  'package-lock.json',
  ':(exclude,glob)ml/**/tests/**',
  ':(exclude,glob)ml/**/conftest.py',
  ':(exclude,glob)ml/**/pytest.ini',
  ':(exclude,glob)ml/**/*.md',
];

/** The app's entry point (cdk.json's `app`). */
const APP_ENTRY = join('bin', 'app.ts');

/**
 * The folders of lib/ the app imports, found by following the relative imports from its entry
 * point: lib/ also holds the CLI and the local environment, which the app never loads.
 */
export function appLibFolders(root: string = REPO_ROOT): string[] {
  const seen = new Set<string>();
  const queue = [APP_ENTRY];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const match of source.matchAll(/(?:from|import\(|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(file), match[1]));
      const found = [`${target}.ts`, join(target, 'index.ts'), target].find((candidate) =>
        isFile(join(root, candidate)),
      );
      if (found) queue.push(found);
    }
  }
  // Whole folders: they hold what their modules read beside them (JSON, templates).
  const folders = [...seen]
    .filter((f) => f.startsWith('lib/'))
    .map((f) => f.split('/').slice(0, 2).join('/'));
  return [...new Set(folders)].sort();
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/** The inputs of the app in the working tree at `root`: tracked and untracked, not ignored. */
export function readAppInputs(root: string = REPO_ROOT): AppInputs {
  const listed = execFileSync(
    'git',
    [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      ...READ_BY_THE_APP,
      ...appLibFolders(root),
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const files: Record<string, string> = {};
  for (const path of new Set(listed.split('\0').filter(Boolean))) {
    let content: Buffer;
    try {
      content = readFileSync(join(root, path));
    } catch {
      continue; // tracked, but deleted from the working tree
    }
    files[path] = createHash('sha256').update(content).digest('hex');
  }
  return { codeVersion: codeVersionOf(root), files };
}

function codeVersionOf(root: string): string {
  if (relative(root, REPO_ROOT) === '') return gitCodeVersion();
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain').length > 0 ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}

/** How the working tree differs from what was deployed: the files, then the code version. */
export interface InputChanges {
  /** Changed, added or deleted files, sorted. */
  readonly files: readonly string[];
  /** The code version deployed and now, when they differ. */
  readonly codeVersion?: { readonly deployed: string; readonly now: string };
}

export function inputChanges(deployed: AppInputs, now: AppInputs): InputChanges | undefined {
  const paths = new Set([...Object.keys(deployed.files), ...Object.keys(now.files)]);
  const files = [...paths].filter((p) => deployed.files[p] !== now.files[p]).sort();
  const codeVersion =
    deployed.codeVersion === now.codeVersion
      ? undefined
      : { deployed: deployed.codeVersion, now: now.codeVersion };
  return files.length === 0 && !codeVersion ? undefined : { files, ...(codeVersion ? { codeVersion } : {}) };
}

/** Up to `max` changed files, then how many more; or the code version when only it changed. */
export function describeChanges(changes: InputChanges, max = 5): string {
  if (changes.files.length === 0 && changes.codeVersion) {
    return `code version ${changes.codeVersion.deployed} deployed, ${changes.codeVersion.now} now`;
  }
  const named = changes.files.slice(0, max).join(', ');
  const more = changes.files.length > max ? ` and ${changes.files.length - max} more` : '';
  return `${changes.files.length} file${changes.files.length === 1 ? '' : 's'} changed since the last deploy: ${named}${more}`;
}

/** Where a deploy into the emulator records its inputs. */
const recordFile = (stateDir: string) => join(stateDir, 'deployed-inputs.json');

export function recordDeployedInputs(stateDir: string, inputs: AppInputs): void {
  writeFileSync(recordFile(stateDir), JSON.stringify(inputs) + '\n');
}

export function forgetDeployedInputs(stateDir: string): void {
  rmSync(recordFile(stateDir), { force: true });
}

/** The inputs of the last deploy, or undefined if none recorded them. */
export function readDeployedInputs(stateDir: string): AppInputs | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(stateDir), 'utf8')) as AppInputs;
  } catch {
    return undefined;
  }
}
