import { localStateDir, stopEmulator } from './emulator';
import { removeLocalPins } from './local-pins';
import { stopMlflowServer } from './mlflow-server';
import { stopAllServers } from './serving-process';

export interface LocalDownResult {
  readonly stopped: boolean;
  readonly pid?: number;
  readonly port?: number;
  /** Models whose serving stand-in was stopped. */
  readonly servers: readonly string[];
  /** Whether the MLflow tracking server was stopped (what it recorded stays in the local state). */
  readonly tracking: boolean;
}

/**
 * `mlenv local down`: stops the serving stand-ins, the emulator and the MLflow tracking server. Everything deployed into the
 * emulator is gone with it, so the local pins (which name its packages) go too.
 */
export async function localDown(stateDir: string = localStateDir()): Promise<LocalDownResult> {
  const servers = await stopAllServers(stateDir);
  removeLocalPins(stateDir);
  const emulator = await stopEmulator({ stateDir });
  const tracking = await stopMlflowServer(stateDir);
  return { ...emulator, servers, tracking: tracking.stopped };
}
