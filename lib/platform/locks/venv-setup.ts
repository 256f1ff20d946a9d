import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../config/repo-root';
import { binaryArguments, BUILD_LOCK, VENV_LOCK } from './python-locks';

/**
 * Makes `.venv` hold exactly requirements-dev.lock (what scripts/setup runs after the Node.js,
 * Python and Java checks). The installer is uv, bootstrapped from the same lock with the venv's
 * own pip (hash-checked); uv then syncs the venv to the lock (hash-checked, removing what the lock
 * does not list, pip included), building the declared source-only packages with the hashed build
 * backends of requirements-build.lock. Does nothing when the lock and the interpreter are those of
 * the last sync.
 */

const VENV = join(REPO_ROOT, '.venv');
const VENV_PYTHON = join(VENV, 'bin', 'python');
const UV = join(VENV, 'bin', 'uv');
const STAMP = join(VENV, '.mlenv-lock');
/** What `python -m venv` installs before any lock is read. */
const SEED_PACKAGES = ['pip', 'setuptools', 'wheel'];

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.error) throw new Error(`setup: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`setup: ${command} ${args.join(' ')} failed (exit ${result.status})`);
  return result.stdout;
}

/** `3.11.7 linux` of an interpreter: a venv is remade when its interpreter changes. */
function interpreter(python: string): string {
  return run(python, ['-c', 'import sys; print(sys.version.split()[0], sys.platform)']).trim();
}

/** The lines of a lock that pin `name` (its requirement and `--hash` continuation lines). */
export function lockEntry(lockText: string, name: string): string {
  const lines = lockText.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith(`${name}==`));
  if (start < 0) throw new Error(`setup: ${VENV_LOCK.lock} does not pin ${name}`);
  let end = start;
  while (lines[end].trimEnd().endsWith('\\')) end++;
  return `${lines.slice(start, end + 1).join('\n')}\n`;
}

/** The command that syncs the venv to its lock: hashes required, wheels but for the declared source builds. */
export function syncArguments(): string[] {
  return [
    'pip',
    'sync',
    '--quiet',
    '--python',
    VENV_PYTHON,
    '--require-hashes',
    '--build-constraints',
    BUILD_LOCK.lock,
    ...binaryArguments(VENV_LOCK),
    VENV_LOCK.lock,
  ];
}

function bootstrapUv(lockText: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-uv-'));
  try {
    const requirements = join(dir, 'uv.lock.txt');
    writeFileSync(requirements, lockEntry(lockText, 'uv'));
    run(VENV_PYTHON, [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--require-hashes',
      '--no-deps',
      '--only-binary',
      ':all:',
      '--requirement',
      requirements,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const python = process.env.PYTHON ?? 'python3';
  const lockText = readFileSync(join(REPO_ROOT, VENV_LOCK.lock), 'utf8');
  const wanted = interpreter(python);
  const stamp = createHash('sha256')
    .update(`${wanted}\0${lockText}\0${readFileSync(join(REPO_ROOT, BUILD_LOCK.lock), 'utf8')}`)
    .digest('hex');
  if (existsSync(VENV_PYTHON) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp) return;

  console.log(`setup: installing ${VENV_LOCK.lock} into .venv`);
  if (!existsSync(VENV_PYTHON) || interpreter(VENV_PYTHON) !== wanted) {
    rmSync(VENV, { recursive: true, force: true });
    run(python, ['-m', 'venv', VENV]);
  }
  if (!existsSync(UV)) {
    if (spawnSync(VENV_PYTHON, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) {
      // A venv synced before holds no pip; make it anew to bootstrap uv.
      rmSync(VENV, { recursive: true, force: true });
      run(python, ['-m', 'venv', VENV]);
    }
    bootstrapUv(lockText);
  }
  run(UV, syncArguments());
  // uv's sync leaves the seed packages a venv is made with; the lock decides about them too.
  const seeds = SEED_PACKAGES.filter(
    (name) => !lockText.includes(`\n${name}==`) && !lockText.startsWith(`${name}==`),
  );
  if (seeds.length > 0) run(UV, ['pip', 'uninstall', '--quiet', '--python', VENV_PYTHON, ...seeds]);
  writeFileSync(STAMP, stamp);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
