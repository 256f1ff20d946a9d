import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, posix, relative } from 'node:path';
import { type ModelConfig, modelCodeDirectory, platformConfig } from '../../config';
import { libAreaOf, REPO_ROOT } from '../../config/repo-root';
import { gitCodeVersion } from '../platform/app/code-version';

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
 * Whole folders and files the app reads besides its TypeScript and the configured models' code:
 * the configuration, the constructs, the model code the source archives and Spark scripts are
 * built from, the pins, the CDK settings and the locked versions.
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
];

/** What of a model's configuration says where the app reads its code and data pipeline from. */
export type ModelSources = Pick<ModelConfig, 'name' | 'code' | 'dataPipeline'>;

/** A configured path as git lists it: relative, `/`-separated, no `./` or trailing `/`. */
const asListed = (path: string) => posix.normalize(path.replace(/\\/g, '/')).replace(/\/+$/, '');

const isWithin = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/**
 * Whether a listed file is one the app never ships: the pytest suites (of ml/, of each model's
 * code), their conftest.py and pytest.ini, and the docs beside the code. A dbt project's `tests/`
 * are dbt's singular tests, which `dbt build` runs, so nothing in a dbt project is left out.
 */
function testOrDoc(
  path: string,
  codeDirectories: readonly string[],
  dbtProjects: readonly string[],
): boolean {
  if (dbtProjects.some((project) => isWithin(path, project))) return false;
  const pytestFolders = [/^ml\/tests\//, /^ml\/models\/[^/]+\/tests\//, /^ml\/templates\/(?:.+\/)?tests\//];
  if (pytestFolders.some((folder) => folder.test(path))) return true;
  if (codeDirectories.some((directory) => isWithin(path, `${directory}/tests`))) return true;
  const besideTheCode =
    isWithin(path, 'ml') || codeDirectories.some((directory) => isWithin(path, directory));
  const name = posix.basename(path);
  return besideTheCode && (name === 'conftest.py' || name === 'pytest.ini' || name.endsWith('.md'));
}

/** The app's entry point (cdk.json's `app`). */
const APP_ENTRY = join('bin', 'app.ts');

/** The modules (and JSON) the app loads, found by following the relative imports from its entry point. */
export function appModules(root: string = REPO_ROOT): string[] {
  const seen = new Set<string>();
  const queue = [APP_ENTRY];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const match of source.matchAll(/(?:from|import|import\(|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(file), match[1]));
      const found = [`${target}.ts`, join(target, 'index.ts'), target].find((candidate) =>
        isFile(join(root, candidate)),
      );
      if (found) queue.push(found);
    }
  }
  return [...seen];
}

/**
 * The folders of source the app imports (its modules' folders): the areas of lib/ it loads (lib/
 * also holds the CLI and the local environment, which the app never loads), and the other top
 * folders (cfn/, config/, constructs/) whole.
 */
export function appSourceFolders(root: string = REPO_ROOT): string[] {
  // Whole folders: they hold what their modules read beside them (JSON, templates).
  const folders = appModules(root).map((f) => libAreaOf(f) ?? f.split('/')[0]);
  return [...new Set(folders)].sort();
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/**
 * The inputs of the app in the working tree at `root`: tracked and untracked, not ignored. A
 * model's `code`, `etlScript` and `dbtProject` may be anywhere in the project, so the configured
 * models' (`platformConfig()`, as the app reads them) are read wherever they are.
 */
export function readAppInputs(
  root: string = REPO_ROOT,
  models: readonly ModelSources[] = platformConfig().models,
): AppInputs {
  const codeDirectories = models.map((model) => asListed(modelCodeDirectory(model)));
  const etlScripts = models.flatMap((model) =>
    model.dataPipeline ? [asListed(model.dataPipeline.etlScript)] : [],
  );
  const dbtProjects = models.flatMap((model) =>
    model.dataPipeline ? [asListed(model.dataPipeline.dbtProject)] : [],
  );
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
      ...codeDirectories,
      ...etlScripts,
      ...dbtProjects,
      ...appSourceFolders(root),
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const files: Record<string, string> = {};
  const paths = new Set(listed.split('\0').filter(Boolean));
  for (const path of [...paths].filter((p) => !testOrDoc(p, codeDirectories, dbtProjects))) {
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

/**
 * How the working tree differs from what was deployed: the input files only. The code version
 * alone (a new commit, an edited README, an untracked note) changes nothing the emulator runs.
 */
export interface InputChanges {
  /** Changed, added or deleted files, sorted. */
  readonly files: readonly string[];
}

/** The input files that differ, or undefined when none does (whatever the code versions). */
export function inputChanges(deployed: AppInputs, now: AppInputs): InputChanges | undefined {
  const paths = new Set([...Object.keys(deployed.files), ...Object.keys(now.files)]);
  const files = [...paths].filter((p) => deployed.files[p] !== now.files[p]).sort();
  return files.length === 0 ? undefined : { files };
}

/** Up to `max` changed files, then how many more. */
export function describeChanges(changes: InputChanges, max = 5): string {
  const named = changes.files.slice(0, max).join(', ');
  const more = changes.files.length > max ? ` and ${changes.files.length - max} more` : '';
  return `${changes.files.length} file${changes.files.length === 1 ? '' : 's'} changed since the last deploy: ${named}${more}`;
}

/** Where a deploy into the emulator records its inputs. */
const recordFile = (stateDir: string) => join(stateDir, 'deployed-inputs.json');

/**
 * A deploy of a cloud assembly given as it is (`local up --assembly <dir>`): what it was
 * synthesized from is not known, so it is recorded as such, never as the working tree's inputs.
 */
export interface GivenAssembly {
  readonly assembly: string;
}

/** What the last deploy recorded: the app's inputs it synthesized, or the assembly it was given. */
export type DeployedInputs = AppInputs | GivenAssembly;

export const isGivenAssembly = (deployed: DeployedInputs): deployed is GivenAssembly =>
  typeof (deployed as Partial<GivenAssembly>).assembly === 'string';

export function recordDeployedInputs(stateDir: string, inputs: DeployedInputs): void {
  writeFileSync(recordFile(stateDir), JSON.stringify(inputs) + '\n');
}

export function forgetDeployedInputs(stateDir: string): void {
  rmSync(recordFile(stateDir), { force: true });
}

/** What the last deploy recorded, or undefined if it recorded nothing. */
export function readDeployedInputs(stateDir: string): DeployedInputs | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(stateDir), 'utf8')) as DeployedInputs;
  } catch {
    return undefined;
  }
}
