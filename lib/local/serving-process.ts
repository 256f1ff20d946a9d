import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { baseEnvironment, DEFAULT_PYTHON } from './jobs/job-options';
import { isOwnProcess, stopProcessGroup, tailFile } from './process-group';

/** The stand-in of a SageMaker endpoint's serving container (the inference contract). */
export const SERVING_STAND_IN = join(__dirname, 'python', 'serving_standin.py');
const MARKER = 'serving_standin.py';

/** A model served on this machine, as recorded in `<stateDir>/serving/<model>.json`. */
export interface ServingRecord {
  readonly model: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly endpointName: string;
  readonly variantName: string;
  readonly modelPackageArn: string;
  readonly modelDataUrl: string;
  /** Where the stand-in writes capture files, in SageMaker's layout below the destination. */
  readonly captureDir: string;
  /** The endpoint config's data capture: destination, key and share of requests. */
  readonly capture?: {
    readonly destinationS3Uri: string;
    readonly kmsKeyId?: string;
    readonly samplingPercent: number;
  };
  readonly startedAt: string;
}

export const servingDir = (stateDir: string) => join(stateDir, 'serving');
const recordFile = (stateDir: string, model: string) => join(servingDir(stateDir), `${model}.json`);

/** The recorded server of `model`, if it still runs. A stale record is removed. */
export function runningServer(stateDir: string, model: string): ServingRecord | undefined {
  const file = recordFile(stateDir, model);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as ServingRecord;
  if (isOwnProcess(record.pid, MARKER)) return record;
  rmSync(file, { force: true });
  return undefined;
}

export interface StartServerOptions {
  readonly stateDir: string;
  readonly model: string;
  /** The unpacked model artifact (`model.joblib`, `code/inference.py`). */
  readonly modelDir: string;
  readonly endpointName: string;
  readonly variantName: string;
  readonly modelPackageArn: string;
  readonly modelDataUrl: string;
  readonly capture?: ServingRecord['capture'];
  /** The model's container environment (SageMaker's `Environment`). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  readonly python?: string;
  /** @default 30 s */
  readonly startTimeoutMs?: number;
}

/**
 * Starts the serving stand-in for `model` in the background (its own process group, a free
 * loopback port), after stopping the one that served it before; records it once it answers.
 */
export async function startServer(options: StartServerOptions): Promise<ServingRecord> {
  const { stateDir, model } = options;
  await stopServer(stateDir, model);
  const dir = join(servingDir(stateDir), model);
  const captureDir = join(dir, 'capture');
  // Captures of an earlier server went up with its smoke tests; they are not this endpoint's.
  rmSync(captureDir, { recursive: true, force: true });
  mkdirSync(captureDir, { recursive: true });
  const logPath = join(dir, 'server.log');
  const log = openSync(logPath, 'w');
  const python = options.python ?? DEFAULT_PYTHON;
  const child = spawn(
    python,
    [
      SERVING_STAND_IN,
      '--model-dir',
      options.modelDir,
      '--port',
      '0',
      '--endpoint-name',
      options.endpointName,
      '--variant-name',
      options.variantName,
      ...(options.capture
        ? ['--capture-dir', captureDir, '--sampling-percent', String(options.capture.samplingPercent)]
        : []),
    ],
    // Nothing of the caller's environment (no AWS credentials): as in a serving container.
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...baseEnvironment(dirname(python)), ...options.environment },
    },
  );
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ?? String(code)));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the serving stand-in of ${model}`);
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(logPath, 'utf8'))?.[1];
    if (port) {
      const record: ServingRecord = {
        model,
        pid,
        port: Number(port),
        url: `http://127.0.0.1:${port}`,
        endpointName: options.endpointName,
        variantName: options.variantName,
        modelPackageArn: options.modelPackageArn,
        modelDataUrl: options.modelDataUrl,
        captureDir,
        capture: options.capture,
        startedAt: new Date().toISOString(),
      };
      writeFileSync(recordFile(stateDir, model), JSON.stringify(record, null, 2) + '\n');
      return record;
    }
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) await stopProcessGroup(pid, MARKER);
      throw new Error(
        `the serving stand-in of ${model} ${exited !== undefined ? `exited (${exited})` : 'did not answer'}:\n${tailFile(logPath)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops the server of `model`; whether one ran. */
export async function stopServer(stateDir: string, model: string): Promise<boolean> {
  const record = runningServer(stateDir, model);
  rmSync(recordFile(stateDir, model), { force: true });
  if (!record) return false;
  await stopProcessGroup(record.pid, MARKER);
  return true;
}

/** Stops every recorded server; the models whose server ran. */
export async function stopAllServers(stateDir: string): Promise<string[]> {
  const dir = servingDir(stateDir);
  if (!existsSync(dir)) return [];
  const models = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length));
  const stopped: string[] = [];
  for (const model of models) if (await stopServer(stateDir, model)) stopped.push(model);
  return stopped;
}
