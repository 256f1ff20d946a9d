import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ModelConfig } from '../../config';
import { containerPython, FRAMEWORKS } from '../../constructs';
import { REPO_ROOT } from '../../config/repo-root';
import { modelLock, type LockTarget } from '../platform/locks/python-locks';
import { DEFAULT_PYTHON } from '../jobs/job-options';

const run = promisify(execFile);

/** Where the models' virtual environments are kept, each named after its model and its lock's hash. */
export const MODEL_VENVS_DIR = join(REPO_ROOT, '.mlenv', 'venvs');
/** uv, from the tool environment's lock (it installs every lock with its hashes). */
const UV = join(REPO_ROOT, '.venv', 'bin', 'uv');
/** Written last into a venv: its presence means the venv holds its lock entirely. */
const READY = '.mlenv-ready';

/** The interpreter the local jobs' virtual environments are made from (the tool `.venv`'s own). */
export interface Interpreter {
  /** `3.11.7` */
  readonly version: string;
  /** `linux`, `darwin` */
  readonly platform: string;
  /** `x86_64`, `arm64` */
  readonly machine: string;
  /** `2.35` on glibc Linux, empty elsewhere. */
  readonly glibc: string;
}

/** What a model's local jobs run with, and what a user should know about it. */
export interface ModelPython {
  /** The Python its training, processing and serving processes run (`bin/python` of its venv, or `.venv`'s). */
  readonly python: string;
  /** Whether that is the model's own venv holding its lock (false: the tool `.venv`). */
  readonly ownLock: boolean;
  /** One line on what the runs use and how it differs from the model's container. */
  readonly note: string;
}

/** The interpreter of `python` (the tool `.venv`'s by default). */
export async function interpreterOf(python: string = DEFAULT_PYTHON): Promise<Interpreter> {
  const script =
    'import json, platform, sys; print(json.dumps({"version": platform.python_version(), ' +
    '"platform": sys.platform, "machine": platform.machine(), ' +
    '"glibc": platform.libc_ver()[1] if platform.libc_ver()[0] == "glibc" else ""}))';
  const { stdout } = await run(python, ['-c', script]);
  return JSON.parse(stdout) as Interpreter;
}

/**
 * Why `interpreter` cannot install a lock for `target`, or undefined when it can: a platform lock
 * holds the wheels of one CPython minor version on one platform (`x86_64-manylinux_2_28`: x86_64
 * Linux with glibc 2.28 or newer), and nothing else.
 */
export function lockMismatch(target: LockTarget, interpreter: Interpreter): string | undefined {
  const minor = interpreter.version.split('.').slice(0, 2).join('.');
  if (minor !== target.python) return `CPython ${target.python} is needed, this is ${interpreter.version}`;
  if (target.kind === 'universal') return undefined;
  const manylinux = /^(\w+)-manylinux_(\d+)_(\d+)$/.exec(target.platform);
  if (!manylinux) return `platform ${target.platform} is not one mlenv installs locally`;
  const [, machine, major, minorGlibc] = manylinux;
  if (interpreter.platform !== 'linux' || interpreter.machine !== machine)
    return `${machine} Linux is needed, this is ${interpreter.machine} ${interpreter.platform}`;
  const [haveMajor, haveMinor] = interpreter.glibc.split('.').map(Number);
  const enough =
    haveMajor > Number(major) || (haveMajor === Number(major) && haveMinor >= Number(minorGlibc));
  if (!enough)
    return `glibc ${major}.${minorGlibc} or newer is needed, this has ${interpreter.glibc || 'none'}`;
  return undefined;
}

/** The packages a lock pins, as `name version` (what a note names). */
export function lockedPackages(lockText: string): { name: string; version: string }[] {
  return [...lockText.matchAll(/^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)/gm)].map((m) => ({
    name: m[1],
    version: m[2],
  }));
}

/** `SageMaker scikit-learn 1.2-1 (Python 3.9)`: the model's container, as a note names it. */
function containerDescription(model: ModelConfig): string {
  const { framework } = model;
  if (framework.name === 'custom') return 'its custom image (its Python is not known here)';
  const python = containerPython(framework.name, framework.version);
  return `${FRAMEWORKS[framework.name].title} ${framework.version} (${
    python ? `Python ${python}` : 'its Python version is not recorded'
  })`;
}

/**
 * The Python a model's local jobs and its serving stand-in run: a virtual environment holding
 * exactly the model's lock (`<code directory>/requirements.lock`, hash-checked by uv), made once
 * per lock and interpreter and kept in `.mlenv/venvs/`, so that code runs locally with the
 * packages its framework container has. Where this machine's Python cannot install the lock (it
 * is locked for the container's platform) or the model has no lock, the runs use the tool `.venv`
 * and the note says so. Either way the note names the container's Python, which the local one
 * is not.
 */
export async function modelPython(model: ModelConfig): Promise<ModelPython> {
  const lock = modelLock(model);
  const lockPath = join(REPO_ROOT, lock.lock);
  const interpreter = await interpreterOf();
  const container = containerDescription(model);
  const fallback = (why: string): ModelPython => ({
    python: DEFAULT_PYTHON,
    ownLock: false,
    note: `${model.name}: runs with .venv's packages on Python ${interpreter.version}, not its container's (${container}): ${why}`,
  });
  if (!existsSync(lockPath)) return fallback(`it has no ${lock.lock} (\`npm run lock\` writes it)`);
  const mismatch = lockMismatch(lock.target, interpreter);
  if (mismatch) return fallback(`this machine cannot install ${lock.lock}: ${mismatch}`);

  const lockText = readFileSync(lockPath, 'utf8');
  const hash = createHash('sha256')
    .update(`${interpreter.version}\0${DEFAULT_PYTHON}\0${lockText}`)
    .digest('hex')
    .slice(0, 16);
  const venv = join(MODEL_VENVS_DIR, `${model.name}-${hash}`);
  await ensureVenv(venv, lockText, lock.lock);
  const pins = lockedPackages(lockText)
    .filter((p) => /^(scikit-learn|xgboost|torch|numpy|pandas)$/.test(p.name))
    .map((p) => `${p.name} ${p.version}`)
    .join(', ');
  return {
    python: join(venv, 'bin', 'python'),
    ownLock: true,
    note: `${model.name}: runs with ${lock.lock} (${pins}) on Python ${interpreter.version}; its container is ${container}`,
  };
}

/** How long and how often a process waits for another one making the same venv. */
export interface VenvWait {
  /** Between two looks at the lock (ms). */
  readonly pollMs: number;
  /** After this (ms) a process that still holds the lock is reported, not waited on further. */
  readonly maxWaitMs: number;
}

/** An install of torch with CUDA wheels can take many minutes; half an hour is no longer plausible. */
export const VENV_WAIT: VenvWait = { pollMs: 500, maxWaitMs: 30 * 60 * 1000 };

/** Who holds a creation lock: `pid host token` (the token tells apart two callers in one process). */
function lockOwner(): string {
  return `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')}`;
}

/** The holder a lock names; undefined when there is no lock. */
function readLock(lock: string): string | undefined {
  try {
    return readFileSync(lock, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return ''; // unreadable (a directory left by an older mlenv): nobody's
  }
}

/** Whether the process that wrote `owner` has died (a lock of another host is taken as alive). */
function ownerIsDead(owner: string): boolean {
  const [pid, host] = owner.split(' ');
  if (!/^\d+$/.test(pid ?? '')) return true;
  if (host !== hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes `lock` atomically (a hard link fails when the name exists): true when it is now ours. */
function tryLock(lock: string, owner: string): boolean {
  const mine = `${lock}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(mine, owner);
  try {
    linkSync(mine, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Removes the lock a dead process left, and only that one (it may have been taken over since). */
function removeStaleLock(lock: string, staleOwner: string): void {
  const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // someone else removed it
  }
  // Between our read and the rename another process may have taken it over: give it back.
  const moved = readLock(aside);
  if (moved !== staleOwner && moved !== '') {
    try {
      linkSync(aside, lock);
    } catch {
      // a third process holds it now; the one we moved checks its lock before each step
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

/**
 * Makes `venv` hold exactly `lockText` (the lock read and hashed into the venv's name, written into
 * the venv and installed from there, so a lock edited meanwhile is never installed under the old
 * hash), unless it is ready already. One process at a time makes it, holding `<venv>.creating`,
 * which names its pid and host; a lock whose process has died is taken over. The venv is made in
 * place, not built aside and renamed: its activate scripts, `pyvenv.cfg` and the entry-point
 * scripts uv writes name its absolute path. Only the lock's holder removes or writes it.
 */
export async function ensureVenv(
  venv: string,
  lockText: string,
  lockName: string,
  wait: VenvWait = VENV_WAIT,
): Promise<void> {
  if (existsSync(join(venv, READY))) return;
  mkdirSync(dirname(venv), { recursive: true });
  const lock = `${venv}.creating`;
  const owner = lockOwner();
  const started = Date.now();
  while (!tryLock(lock, owner)) {
    if (existsSync(join(venv, READY))) return;
    const holder = readLock(lock);
    if (holder === undefined) continue; // released just now
    if (ownerIsDead(holder)) {
      removeStaleLock(lock, holder);
      continue;
    }
    if (Date.now() - started > wait.maxWaitMs) {
      const [pid, host] = holder.split(' ');
      throw new Error(
        `${venv} is still being made by process ${pid} on ${host} after ${Math.round(wait.maxWaitMs / 60_000)} minutes: ` +
          `wait for it, or stop it and delete ${lock}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
  }
  const stillOurs = (): void => {
    if (readLock(lock) !== owner) throw new Error(`lost ${lock} while making ${venv}`);
  };
  try {
    if (existsSync(join(venv, READY))) return;
    rmSync(venv, { recursive: true, force: true });
    await run(DEFAULT_PYTHON, ['-m', 'venv', '--without-pip', venv]);
    const installed = join(venv, 'requirements.lock');
    writeFileSync(installed, lockText);
    stillOurs();
    const venvPython = join(venv, 'bin', 'python');
    await run(UV, [
      'pip',
      'sync',
      '--quiet',
      '--python',
      venvPython,
      '--require-hashes',
      '--only-binary',
      ':all:',
      installed,
    ]).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`cannot install ${lockName} into ${venv}: ${(error.stderr ?? error.message).trim()}`);
    });
    stillOurs();
    writeFileSync(join(venv, READY), `${lockName}\n`);
  } finally {
    if (readLock(lock) === owner) rmSync(lock, { force: true });
  }
}
