import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { environments } from '../../../config/environments';
import { REPO_ROOT } from '../../../config/repo-root';
import { modelCodeDirectory } from '../../../config/schema';

/** The repository's root: lock and input paths below are relative to it. */

/** Where a lock's packages are installed, which decides which distributions it must hash. */
export type LockTarget =
  /** Any platform and any CPython from `python` on: a developer's laptop, CI, GitHub's runners. */
  | { readonly kind: 'universal'; readonly python: string }
  /** One interpreter on one platform (a build image), wheels only: nothing is built there. */
  | { readonly kind: 'platform'; readonly python: string; readonly platform: string };

/** One Python environment's lock: every package at every depth, pinned, with its hashes. */
export interface PythonLock {
  /** The lock file, written by `npm run lock`. */
  readonly lock: string;
  /** The requirements file it is compiled from (what people edit; `-r` includes are followed). */
  readonly input: string;
  /** Which environment installs it, for people and for error messages. */
  readonly installedBy: string;
  readonly target: LockTarget;
  /**
   * Packages published only as source distributions: built at install time, with their build
   * backends from `BUILD_LOCK` (hashed too). Every other package installs from a wheel.
   */
  readonly sourceBuilds?: readonly string[];
}

/** The build backends of the packages built from source (as build constraints, hashed). */
export const BUILD_LOCK: PythonLock = {
  lock: 'requirements-build.lock',
  input: 'requirements-build.txt',
  installedBy: 'the isolated builds of the source-only packages of requirements-dev.lock',
  target: { kind: 'universal', python: '3.11' },
};

/** The test and tool environment `.venv` that scripts/setup makes (Python >= 3.11, any platform). */
export const VENV_LOCK: PythonLock = {
  lock: 'requirements-dev.lock',
  input: 'requirements-dev.txt',
  installedBy: 'scripts/setup, into .venv',
  target: { kind: 'universal', python: '3.11' },
  // PySpark 3.5 is on PyPI as a source distribution only.
  sourceBuilds: ['pyspark'],
};

/**
 * The CodeBuild projects' environments: aws/codebuild/standard:7.0 (Ubuntu 22.04, glibc 2.35,
 * x86_64) with the `python: 3.12` runtime that constructs/common/python-build-project.ts selects.
 */
const CODEBUILD_TARGET: LockTarget = {
  kind: 'platform',
  python: '3.12',
  platform: 'x86_64-manylinux_2_28',
};

/**
 * A model's own packages (`<code directory>/requirements.txt`), at its framework container's
 * versions where CPython 3.11 has wheels: x86_64 Linux, as the containers run. Its local jobs and
 * serving run with exactly these (lib/local/model-python.ts).
 */
export function modelLock(model: { readonly name: string; readonly code?: string }): PythonLock {
  const directory = modelCodeDirectory(model);
  return {
    lock: `${directory}/requirements.lock`,
    input: `${directory}/requirements.txt`,
    installedBy: `the local runs of ${model.name}, into a virtual environment of .mlenv/venvs/ (lib/local/model-python.ts)`,
    target: { kind: 'platform', python: '3.11', platform: 'x86_64-manylinux_2_28' },
  };
}

/**
 * The lock of a code template of `mlenv model new` (`ml/templates/<framework>/`): the same target
 * as a model's. A scaffolded model's lock is this one with the header of its own directory's
 * (`lockHeader`, `inputsDigest`), and its own requirements path in place of the template's in uv's
 * `# via -r` comments: what `npm run lock` writes for the model.
 */
export function templateLock(framework: string): PythonLock {
  const directory = `ml/templates/${framework}`;
  return {
    lock: `${directory}/requirements.lock`,
    input: `${directory}/requirements.txt`,
    installedBy: `a virtual environment of each model \`mlenv model new\` scaffolds from ${directory} (its copy of this lock has its own header)`,
    target: modelLock({ name: framework, code: directory }).target,
  };
}

/** Every Python environment of the project, each with its lock. */
export const PYTHON_LOCKS: readonly PythonLock[] = [
  VENV_LOCK,
  BUILD_LOCK,
  {
    lock: 'ml/data/dbt/requirements-athena.lock',
    input: 'ml/data/dbt/requirements-athena.txt',
    installedBy: 'the DbtProject CodeBuild builds (dbt on Athena)',
    target: CODEBUILD_TARGET,
  },
  {
    lock: 'ml/tracking/requirements-aws.lock',
    input: 'ml/tracking/requirements-aws.txt',
    installedBy: 'the RunRecorder CodeBuild builds (SageMaker managed MLflow client)',
    target: CODEBUILD_TARGET,
  },
  // Every model's: each configured one's, and each code directory under ml/models/.
  ...modelLocks(),
  // Each code template's, which the models scaffolded from it start with.
  ...templateDirectories().map(templateLock),
];

/** The frameworks of ml/templates/ that have requirements (each a template of `mlenv model new`). */
function templateDirectories(): string[] {
  const templates = join(REPO_ROOT, 'ml', 'templates');
  return existsSync(templates)
    ? readdirSync(templates)
        .filter((name) => existsSync(join(templates, name, 'requirements.txt')))
        .sort()
    : [];
}

/** A lock for each configured model's code directory and each directory of ml/models/ with requirements. */
function modelLocks(): PythonLock[] {
  const models = join(REPO_ROOT, 'ml', 'models');
  const found = existsSync(models)
    ? readdirSync(models).filter((name) => existsSync(join(models, name, 'requirements.txt')))
    : [];
  const locks = [...environments.models, ...found.map((name) => ({ name }))].map(modelLock);
  return locks.filter((lock, i) => locks.findIndex((l) => l.lock === lock.lock) === i);
}

/** The arguments of `uv pip compile` that write `lock` (the header comes from lock-file.ts). */
export function compileArguments(lock: PythonLock): string[] {
  const target =
    lock.target.kind === 'universal'
      ? ['--universal', '--python-version', lock.target.python]
      : ['--python-version', lock.target.python, '--python-platform', lock.target.platform];
  return [
    'pip',
    'compile',
    '--quiet',
    '--no-header',
    '--generate-hashes',
    ...target,
    ...binaryArguments(lock),
    lock.input,
  ];
}

/** Wheels only, but for the declared source builds: resolving and installing alike. */
export function binaryArguments(lock: PythonLock): string[] {
  return ['--only-binary', ':all:', ...(lock.sourceBuilds ?? []).flatMap((name) => ['--no-binary', name])];
}
