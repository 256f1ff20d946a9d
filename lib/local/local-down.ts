import { existsSync, rmSync } from 'node:fs';
import { localStateDir, stopEmulator } from './emulator';
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
  /** Models whose serving stand-in was stopped. */
  readonly servers: readonly string[];
  /** Whether the MLflow tracking server was stopped. */
  readonly tracking: boolean;
  /** What happened to the local state, and where it is. */
  readonly state: LocalStateChoice;
  readonly stateDir: string;
}

/**
 * `mlenv local down`: stops the serving stand-ins, the emulator (which saves what it holds) and
 * the MLflow tracking server; then keeps the local state for the next `local up`, or wipes it.
 */
export async function localDown(
  stateDir: string = localStateDir(),
  options: { readonly state?: LocalStateChoice } = {},
): Promise<LocalDownResult> {
  const state = options.state ?? 'keep';
  const servers = await stopAllServers(stateDir);
  const emulator = await stopEmulator({ stateDir });
  const tracking = await stopMlflowServer(stateDir);
  if (state === 'wipe') {
    // The pins name packages of the wiped emulator; they go first, as what they pin goes.
    removeLocalPins(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
  return { ...emulator, servers, tracking: tracking.stopped, state, stateDir };
}

/** The one line saying what `down` did with the local state. */
export function formatStateChoice(result: Pick<LocalDownResult, 'state' | 'stateDir'>): string {
  if (result.state === 'keep' && !existsSync(result.stateDir)) {
    return `local down: no local state in ${result.stateDir} (the next \`mlenv local up\` starts empty)`;
  }
  return result.state === 'keep'
    ? `local down: kept the local state in ${result.stateDir} (S3 objects, model packages, executions and MLflow runs): the next \`mlenv local up\` finds them; \`mlenv local down --wipe\` clears them`
    : `local down: wiped the local state in ${result.stateDir} (S3 objects, model packages, executions and MLflow runs): the next \`mlenv local up\` starts empty`;
}
