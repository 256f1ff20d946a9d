import { localStateDir, stopEmulator } from './emulator';
import { removeLocalPins } from './local-pins';
import { stopAllServers } from './serving-process';

export interface LocalDownResult {
  readonly stopped: boolean;
  readonly pid?: number;
  readonly port?: number;
  /** Models whose serving stand-in was stopped. */
  readonly servers: readonly string[];
}

/**
 * `mlenv local down`: stops the serving stand-ins and the emulator. Everything deployed into the
 * emulator is gone with it, so the local pins (which name its packages) go too.
 */
export async function localDown(stateDir: string = localStateDir()): Promise<LocalDownResult> {
  const servers = await stopAllServers(stateDir);
  removeLocalPins(stateDir);
  const emulator = await stopEmulator({ stateDir });
  return { ...emulator, servers };
}
