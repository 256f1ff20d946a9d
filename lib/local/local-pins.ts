import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DeploymentPin, LOCAL_ENVIRONMENT, PIN_FILE_CONTEXT_PREFIX } from '../../config';

/**
 * The local environment's pins: which package each model serves in the emulator. They live with
 * the emulator's state (not in `deployments/`, whose git history is the audit log of the real
 * environments) and reach the app through context `mlenv:pins:local`.
 */
export function localPinsFile(stateDir: string): string {
  return join(stateDir, 'deployments', `${LOCAL_ENVIRONMENT}.json`);
}

export function readLocalPins(stateDir: string): Record<string, DeploymentPin> {
  const file = localPinsFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, DeploymentPin>) : {};
}

export function writeLocalPins(stateDir: string, pins: Record<string, DeploymentPin>): void {
  const file = localPinsFile(stateDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(pins, null, 2) + '\n');
}

export function removeLocalPins(stateDir: string): void {
  rmSync(localPinsFile(stateDir), { force: true });
}

/** The CDK context that makes the app serve the local pins (none when nothing is pinned). */
export function localPinsContext(stateDir: string): Record<string, string> {
  const file = localPinsFile(stateDir);
  return existsSync(file) ? { [`${PIN_FILE_CONTEXT_PREFIX}${LOCAL_ENVIRONMENT}`]: file } : {};
}
