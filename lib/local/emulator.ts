import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { emulatorEndpoint } from './emulator-env';
import { isOwnProcess, spawnInBackground, stopProcessGroup, tailFile } from '../jobs/process-group';

/** The launcher that corrects moto's CloudFormation bugs and starts its server. */
export const EMULATOR_LAUNCHER = join(__dirname, 'emulator', 'moto_server.py');
/** Runs the launcher with moto's state loaded from, and saved to, the local state on stop. */
const PERSISTENT_LAUNCHER = join(__dirname, 'python', 'persistent_emulator.py');

/** Where the local environment keeps its state (git-ignored); `MLENV_LOCAL_STATE_DIR` overrides it. */
export function localStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLENV_LOCAL_STATE_DIR ?? join(REPO_ROOT, '.mlenv', 'local');
}

/** A running emulator, as recorded in `<stateDir>/emulator.json`. */
export interface EmulatorRecord {
  readonly pid: number;
  readonly port: number;
  readonly startedAt: string;
}

export interface EmulatorStatus {
  /** Whether the recorded emulator runs and answers. */
  readonly running: boolean;
  readonly pid?: number;
  readonly port?: number;
  readonly endpoint?: string;
  readonly startedAt?: string;
  readonly stateDir: string;
}

export interface EmulatorOptions {
  /** @default localStateDir() */
  readonly stateDir?: string;
  /** The Python that has moto. @default the project's `.venv/bin/python` */
  readonly python?: string;
  /** How long to wait for the emulator to answer. @default 30 s */
  readonly startTimeoutMs?: number;
  /** How long a stopping emulator may take to save its state. @default SAVE_TIMEOUT_MS */
  readonly saveTimeoutMs?: number;
  /** Stop without saving (its state is about to be wiped). @default false */
  readonly discard?: boolean;
}

const recordFile = (stateDir: string) => join(stateDir, 'emulator.json');
const portFile = (stateDir: string) => join(stateDir, 'emulator.port');
/** The launcher's pid, written as soon as it is spawned (before it answers and is recorded). */
const pidFile = (stateDir: string) => join(stateDir, 'emulator.pid');
export const emulatorLogFile = (stateDir: string) => join(stateDir, 'emulator.log');
/**
 * What the emulator held when it last stopped (moto keeps it in memory): the next start loads it,
 * so that S3's objects, the packages and the executions live as long as the MLflow runs beside them.
 */
export const emulatorStateFile = (stateDir: string) => join(stateDir, 'emulator-state.pickle');
/** What became of that state, as the emulator reports it (persistent_emulator.py writes it). */
export const emulatorStateStatusFile = (stateDir: string) => join(stateDir, 'emulator-state.json');

/** What a kept state holds that a user would miss. */
export interface StateContents {
  readonly s3Objects: number;
  readonly modelPackages: number;
  readonly executions: number;
}

/** `12 S3 objects, 3 model packages, 5 executions`. */
export function describeContents(contents: StateContents): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return [
    count(contents.s3Objects, 'S3 object'),
    count(contents.modelPackages, 'model package'),
    count(contents.executions, 'execution'),
  ].join(', ');
}

/** The reason persistent_emulator.py gives for starting empty when no state file exists. */
export const NO_KEPT_STATE = 'no state was kept';

/** What the emulator found of the kept state when it started. */
export type StateRestore =
  | { readonly outcome: 'restored'; readonly savedAt?: string; readonly contents: StateContents }
  | { readonly outcome: 'empty'; readonly reason: string };

/** What became of the emulator's state when it stopped. */
export type StateSave =
  | { readonly outcome: 'saved'; readonly at: string; readonly contents: StateContents }
  | { readonly outcome: 'not saved'; readonly reason: string };

/** The status file as the emulator writes it (its `save` outcome `saving` until it has saved). */
interface StateStatus {
  readonly pid: number;
  readonly stateFile: string;
  readonly restore?: StateRestore;
  readonly save?:
    | StateSave
    | { readonly outcome: 'failed'; readonly reason: string }
    | { readonly outcome: 'saving'; readonly since: string };
}

/** The state status written by the emulator process `pid` (one started before has another pid). */
function readStateStatus(stateDir: string, pid: number): StateStatus | undefined {
  try {
    const status = JSON.parse(readFileSync(emulatorStateStatusFile(stateDir), 'utf8')) as StateStatus;
    return status.pid === pid ? status : undefined;
  } catch {
    return undefined;
  }
}

/** How long `stopEmulator` lets the emulator save what it holds before killing it. */
export const SAVE_TIMEOUT_MS = 60_000;

function readRecord(stateDir: string): EmulatorRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(stateDir), 'utf8')) as EmulatorRecord;
  } catch {
    return undefined;
  }
}

function removeRecord(stateDir: string): void {
  rmSync(recordFile(stateDir), { force: true });
  rmSync(portFile(stateDir), { force: true });
  rmSync(pidFile(stateDir), { force: true });
}

const LAUNCHER_MARKER = 'moto_server.py';
const isLauncherProcess = (pid: number) => isOwnProcess(pid, LAUNCHER_MARKER);
const killGroup = (pid: number) => stopProcessGroup(pid, LAUNCHER_MARKER);
const tail = tailFile;

/** Whether an emulator answers on `port` (moto's own API, within `timeoutMs`). */
export function emulatorAnswers(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${emulatorEndpoint(port)}/moto-api/`,
      { method: 'GET', timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The recorded emulator's status. A record whose process is gone (or no longer answers) is
 * stale: it is removed, and the emulator reported as not running.
 */
export async function emulatorStatus(options: EmulatorOptions = {}): Promise<EmulatorStatus> {
  const stateDir = options.stateDir ?? localStateDir();
  const record = readRecord(stateDir);
  if (!record) return { running: false, stateDir };
  if (isLauncherProcess(record.pid) && (await emulatorAnswers(record.port))) {
    return { running: true, ...record, endpoint: emulatorEndpoint(record.port), stateDir };
  }
  if (isLauncherProcess(record.pid)) await killGroup(record.pid);
  removeRecord(stateDir);
  return { running: false, stateDir };
}

/**
 * Starts the emulator in the background (its own process group, on a free loopback port), or
 * reuses the recorded one if it runs. Returns it, and whether it was started now.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<
  EmulatorStatus & {
    readonly running: true;
    readonly pid: number;
    readonly port: number;
    readonly reused: boolean;
    /** What the emulator started now found of the kept state (none for one reused). */
    readonly restore?: StateRestore;
  }
> {
  const stateDir = options.stateDir ?? localStateDir();
  const current = await emulatorStatus({ stateDir });
  if (current.running && current.pid !== undefined && current.port !== undefined) {
    return { ...current, running: true, pid: current.pid, port: current.port, reused: true };
  }
  // Only this user's: the state holds datasets, models and the emulator's KMS keys.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  await stopEmulator({ stateDir }); // one whose start was interrupted, known only by its pid file
  const python = options.python ?? join(REPO_ROOT, '.venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`mlenv local: ${python} is missing; run \`npm run setup\` (it installs moto into .venv)`);
  }
  const { pid, exited } = spawnInBackground(
    python,
    [
      PERSISTENT_LAUNCHER,
      '--state-file',
      emulatorStateFile(stateDir),
      '--status-file',
      emulatorStateStatusFile(stateDir),
      EMULATOR_LAUNCHER,
      '--port-file',
      portFile(stateDir),
    ],
    { cwd: stateDir, logFile: emulatorLogFile(stateDir) },
  );
  writeFileSync(pidFile(stateDir), `${pid}\n`);

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited() !== undefined) {
      removeRecord(stateDir);
      throw new Error(
        `mlenv local: the emulator exited (${exited()}) while starting:\n${tail(emulatorLogFile(stateDir))}`,
      );
    }
    const port = Number(existsSync(portFile(stateDir)) ? readFileSync(portFile(stateDir), 'utf8') : NaN);
    if (Number.isInteger(port) && port > 0 && (await emulatorAnswers(port))) {
      const record: EmulatorRecord = { pid, port, startedAt: new Date().toISOString() };
      writeFileSync(recordFile(stateDir), JSON.stringify(record, null, 2) + '\n');
      // The state is loaded before the emulator serves: its outcome is written by now.
      const restore = readStateStatus(stateDir, pid)?.restore ?? {
        outcome: 'empty' as const,
        reason: `the emulator reported nothing of its state (see ${emulatorLogFile(stateDir)})`,
      };
      return { running: true, ...record, endpoint: emulatorEndpoint(port), stateDir, reused: false, restore };
    }
    if (Date.now() > deadline) {
      await killGroup(pid);
      removeRecord(stateDir);
      throw new Error(
        `mlenv local: the emulator did not answer within the timeout:\n${tail(emulatorLogFile(stateDir))}`,
      );
    }
    await sleep(100);
  }
}

/**
 * Stops the recorded emulator and removes the record: SIGTERM to its process group, on which it
 * saves its state; it is killed only if it has not finished within `saveTimeoutMs` (a large
 * state takes a while to write), and what became of the state is read from its status file.
 * With `discard`, it is killed at once (nothing saved).
 */
export async function stopEmulator(options: EmulatorOptions = {}): Promise<{
  readonly stopped: boolean;
  readonly pid?: number;
  readonly port?: number;
  /** What became of the state it held (for an emulator that was running, not discarded). */
  readonly save?: StateSave;
}> {
  const stateDir = options.stateDir ?? localStateDir();
  const record = readRecord(stateDir);
  // Without a record, an emulator may still be starting (or its `up` was killed): its pid file.
  const pid =
    record?.pid ??
    (Number(existsSync(pidFile(stateDir)) ? readFileSync(pidFile(stateDir), 'utf8') : NaN) || undefined);
  if (pid === undefined) return { stopped: false };
  const alive = isLauncherProcess(pid);
  let save: StateSave | undefined;
  if (alive && options.discard) {
    signalGroup(pid, 'SIGKILL');
    await killGroup(pid);
  } else if (alive) {
    const timeoutMs = options.saveTimeoutMs ?? SAVE_TIMEOUT_MS;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isLauncherProcess(pid) && Date.now() < deadline) await sleep(100);
    const finished = !isLauncherProcess(pid);
    if (!finished) signalGroup(pid, 'SIGKILL');
    await killGroup(pid); // what is left of its group
    save = saveOutcome(readStateStatus(stateDir, pid), finished, timeoutMs, stateDir);
  }
  removeRecord(stateDir);
  return { stopped: alive, pid, port: record?.port, ...(save ? { save } : {}) };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** What became of a stopped emulator's state, from its status: saved, or why not. */
function saveOutcome(
  status: StateStatus | undefined,
  finished: boolean,
  timeoutMs: number,
  stateDir: string,
): StateSave {
  const log = emulatorLogFile(stateDir);
  const save = status?.save;
  if (save?.outcome === 'saved') return save;
  if (save?.outcome === 'failed') return { outcome: 'not saved', reason: `its save failed: ${save.reason}` };
  if (save?.outcome === 'saving' || (status?.restore && !finished)) {
    return {
      outcome: 'not saved',
      reason: `it did not finish saving within ${Math.round(timeoutMs / 1000)} s and was killed`,
    };
  }
  if (status && !status.restore) {
    return { outcome: 'not saved', reason: 'it stopped before it had loaded its state (nothing to save)' };
  }
  return { outcome: 'not saved', reason: `it reported no save (see ${log})` };
}
