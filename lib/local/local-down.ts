import { existsSync, rmSync } from 'node:fs';
import { describeContents, emulatorStateFile, localStateDir, type StateSave, stopEmulator } from './emulator';
import { removeLocalPins } from './local-pins';
import { stopMlflowServer } from './mlflow-server';
import { stopAllServers } from './serving-process';

/**
 * What `local down` does with the local state: keep all of it (the emulator's S3 objects, model
 * packages and executions, which it saves when it stops, and the MLflow runs) for the next
 * `local up`, or wipe all of it. Never one without the other: a package version and the MLflow
 * run that records it live and go together.
 */
export type LocalStateChoice = 'keep' | 'wipe';

export interface LocalDownResult {
  readonly stopped: boolean;
  readonly pid?: number;
  readonly port?: number;
  /** What became of the stopped emulator's state (kept: saved, or why not). */
  readonly save?: StateSave;
  /** Models whose serving stand-in was stopped. */
  readonly servers: readonly string[];
  /** Whether the MLflow tracking server was stopped. */
  readonly tracking: boolean;
  /** What happened to the local state, and where it is. */
  readonly state: LocalStateChoice;
  readonly stateDir: string;
}

/**
 * `mlenv local down`: stops the serving stand-ins, the emulator (which saves what it holds, unless
 * the state is wiped) and the MLflow tracking server; then keeps the local state for the next
 * `local up`, or wipes it.
 */
export async function localDown(
  stateDir: string = localStateDir(),
  options: { readonly state?: LocalStateChoice; readonly saveTimeoutMs?: number } = {},
): Promise<LocalDownResult> {
  const state = options.state ?? 'keep';
  const servers = await stopAllServers(stateDir);
  const emulator = await stopEmulator({
    stateDir,
    discard: state === 'wipe',
    saveTimeoutMs: options.saveTimeoutMs,
  });
  const tracking = await stopMlflowServer(stateDir);
  if (state === 'wipe') {
    // The pins name packages of the wiped emulator; they go first, as what they pin goes.
    removeLocalPins(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
  return { ...emulator, servers, tracking: tracking.stopped, state, stateDir };
}

/** The one line saying what `down` did with the local state, as it is on disk now. */
export function formatStateChoice(
  result: Pick<LocalDownResult, 'state' | 'stateDir'> & Partial<Pick<LocalDownResult, 'stopped' | 'save'>>,
): string {
  const dir = result.stateDir;
  if (result.state === 'wipe') {
    return `local down: wiped the local state in ${dir} (S3 objects, model packages, executions and MLflow runs): the next \`mlenv local up\` starts empty`;
  }
  if (!existsSync(dir)) {
    return `local down: no local state in ${dir} (the next \`mlenv local up\` starts empty)`;
  }
  const kept = existsSync(emulatorStateFile(dir));
  if (result.save?.outcome === 'saved') {
    return `local down: kept the local state in ${dir}: ${describeContents(result.save.contents)} and the MLflow runs; the next \`mlenv local up\` restores them, \`mlenv local down --wipe\` clears them`;
  }
  if (result.save) {
    // The MLflow runs of this session are kept; the emulator's side of them is not.
    const next = kept
      ? 'the next `mlenv local up` restores the older state an earlier `down` saved'
      : 'the next `mlenv local up` starts the emulator empty';
    return `local down: the emulator's state was NOT saved (${result.save.reason}): this session's S3 objects, model packages and executions are lost, its MLflow runs are kept in ${dir}; ${next}; \`mlenv local down --wipe\` clears all of it`;
  }
  // No emulator was running: what is on disk stays as it was.
  return kept
    ? `local down: kept the local state in ${dir} (S3 objects, model packages, executions and MLflow runs, as saved when the emulator last stopped): the next \`mlenv local up\` restores them; \`mlenv local down --wipe\` clears them`
    : `local down: kept ${dir}, which holds no saved emulator state: the next \`mlenv local up\` starts the emulator empty; \`mlenv local down --wipe\` clears the rest (MLflow runs)`;
}
