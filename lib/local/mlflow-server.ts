import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { experimentArtifactLocation } from '../../constructs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { isOwnProcess, spawnInBackground, stopProcessGroup, tailFile } from '../jobs/process-group';

/**
 * The local environment's MLflow tracking server: `mlflow server` of the project's `.venv` on a
 * free loopback port, in the background (its own process group), its runs in a SQLite file and
 * its artifacts in a folder under the local state (`<state>/mlflow/`), so that `local down`
 * (which removes the state's processes) stops it and a new `up` starts with what was recorded.
 */
export interface MlflowServerRecord {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the tracking URI, and the UI. */
  readonly url: string;
  readonly startedAt: string;
}

export interface MlflowServerOptions {
  readonly stateDir: string;
  /** @default the project's `.venv/bin/mlflow` */
  readonly mlflow?: string;
  /** How long to wait for it to answer. @default 90 s (it takes about 13 s on this machine) */
  readonly startTimeoutMs?: number;
}

/**
 * The root of the artifacts the local server serves (`--artifacts-destination`): MLflow's proxied
 * scheme, which the server maps to its folder. A local build's experiment keeps its run artifacts
 * under `<root><model>/`, as the deployed one does under its server's S3 store.
 */
export const LOCAL_ARTIFACT_ROOT = 'mlflow-artifacts:/';

/** Where model `modelName`'s experiment keeps run artifacts on the local server (`<state>/mlflow/artifacts/<model>/`). */
export function localArtifactLocation(modelName: string): string {
  return experimentArtifactLocation(LOCAL_ARTIFACT_ROOT, modelName);
}

const dataDir = (stateDir: string) => join(stateDir, 'mlflow');
const recordFile = (stateDir: string) => join(stateDir, 'mlflow.json');
export const mlflowLogFile = (stateDir: string) => join(stateDir, 'mlflow.log');
/** What `mlflow server`'s command line contains (a recorded pid reused by another program is not it). */
const MARKER = 'mlflow';

function readRecord(stateDir: string): MlflowServerRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(stateDir), 'utf8')) as MlflowServerRecord;
  } catch {
    return undefined;
  }
}

/** Whether an MLflow server answers its health check at `url`. */
export function mlflowAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/health`, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A loopback port no one listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The recorded server, if it runs and answers (a stale record is removed). */
export async function mlflowServerStatus(stateDir: string): Promise<MlflowServerRecord | undefined> {
  const record = readRecord(stateDir);
  if (!record) return undefined;
  if (isOwnProcess(record.pid, MARKER) && (await mlflowAnswers(record.url))) return record;
  if (isOwnProcess(record.pid, MARKER)) await stopProcessGroup(record.pid, MARKER);
  rmSync(recordFile(stateDir), { force: true });
  return undefined;
}

/** Starts the server, or reuses the recorded one; returns it and whether it was started now. */
export async function startMlflowServer(
  options: MlflowServerOptions,
): Promise<MlflowServerRecord & { readonly reused: boolean }> {
  const { stateDir } = options;
  const current = await mlflowServerStatus(stateDir);
  if (current) return { ...current, reused: true };
  const mlflow = options.mlflow ?? join(REPO_ROOT, '.venv', 'bin', 'mlflow');
  if (!existsSync(mlflow)) {
    throw new Error(
      `mlenv local: ${mlflow} is missing; run \`npm run setup\` (it installs MLflow into .venv)`,
    );
  }
  mkdirSync(join(dataDir(stateDir), 'artifacts'), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { pid, exited } = spawnInBackground(
    mlflow,
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(dataDir(stateDir), 'mlflow.db')}`,
      '--artifacts-destination',
      join(dataDir(stateDir), 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { cwd: stateDir, logFile: mlflowLogFile(stateDir) },
  );
  const record: MlflowServerRecord = { pid, port, url, startedAt: new Date().toISOString() };
  // Recorded at once, so that `local down` stops a server whose start was interrupted too.
  writeFileSync(recordFile(stateDir), JSON.stringify(record, null, 2) + '\n');
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited() !== undefined) {
      rmSync(recordFile(stateDir), { force: true });
      throw new Error(
        `mlenv local: MLflow exited (${exited()}) while starting:\n${tailFile(mlflowLogFile(stateDir))}`,
      );
    }
    if (await mlflowAnswers(url)) return { ...record, reused: false };
    if (Date.now() > deadline) {
      await stopProcessGroup(pid, MARKER);
      rmSync(recordFile(stateDir), { force: true });
      throw new Error(
        `mlenv local: MLflow did not answer within the timeout:\n${tailFile(mlflowLogFile(stateDir))}`,
      );
    }
    await sleep(250);
  }
}

/** Stops the recorded server (its process group); what it recorded stays under `<state>/mlflow/`. */
export async function stopMlflowServer(stateDir: string): Promise<{ readonly stopped: boolean }> {
  const record = readRecord(stateDir);
  if (!record) return { stopped: false };
  const alive = isOwnProcess(record.pid, MARKER);
  if (alive) await stopProcessGroup(record.pid, MARKER);
  rmSync(recordFile(stateDir), { force: true });
  return { stopped: alive };
}
