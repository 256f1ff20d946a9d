import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { baseEnvironment, DEFAULT_PYTHON } from '../jobs/job-options';
import { interrupted, type RunningJob, startJob } from '../jobs/running-jobs';
import { isOwnProcess, stopProcessGroup, tailFile } from '../jobs/process-group';

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
/** Where a served model's package is unpacked: its model files and `model-metadata.json`. */
export const servedModelDir = (stateDir: string, model: string) => join(servingDir(stateDir), model, 'model');
const recordFile = (stateDir: string, model: string) => join(servingDir(stateDir), `${model}.json`);

/**
 * The record of a stand-in that is starting: written as soon as it is spawned, so that `local down`
 * (or the next `serve`) stops it if the command that started it is gone before it answered. It
 * names no endpoint and no port: nothing can call it yet.
 */
interface StartingRecord {
  readonly model: string;
  readonly pid: number;
  /** Its process group (it leads it): stopping the stand-in stops the group. */
  readonly processGroup: number;
  readonly starting: true;
  readonly log: string;
  readonly startedAt: string;
}

/** The recorded stand-in of `model` (serving or starting), if its process still runs. A stale record is removed. */
function recordedProcess(stateDir: string, model: string): ServingRecord | StartingRecord | undefined {
  const file = recordFile(stateDir, model);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as ServingRecord | StartingRecord;
  // Written just after the spawn: a process started later holds a reused pid.
  if (isOwnProcess(record.pid, MARKER, new Date(record.startedAt))) return record;
  rmSync(file, { force: true });
  return undefined;
}

/** The recorded server of `model`, if it still runs and answers (not one that is starting). A stale record is removed. */
export function runningServer(stateDir: string, model: string): ServingRecord | undefined {
  const record = recordedProcess(stateDir, model);
  return record && !('starting' in record) ? record : undefined;
}

export interface StartServerOptions {
  readonly stateDir: string;
  readonly model: string;
  /** The unpacked model artifact (`model.joblib`, `code/inference.py`). */
  readonly modelDir: string;
  /**
   * Makes `modelDir` (downloads and unpacks the artifact) once the server before is stopped, its
   * processes run as `job`'s (`runProcess`): an interrupt while it runs stops them and removes the
   * serving folder, as it would once the stand-in started.
   * @default - `modelDir` is there
   */
  readonly prepare?: (job: RunningJob) => Promise<void>;
  readonly endpointName: string;
  readonly variantName: string;
  readonly modelPackageArn: string;
  readonly modelDataUrl: string;
  readonly capture?: ServingRecord['capture'];
  /**
   * A shadow variant the stand-in plays beside the served model: the candidate's unpacked artifact
   * (made by `prepare` too), its expected digest, its variant name and share of requests.
   * @default - no shadow variant
   */
  readonly shadow?: {
    readonly modelDir: string;
    readonly filesSha256: string;
    readonly variantName: string;
    readonly samplingPercent: number;
  };
  /** The model's container environment (SageMaker's `Environment`). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  readonly python?: string;
  /** @default 30 s */
  readonly startTimeoutMs?: number;
}

/**
 * Starts the serving stand-in for `model` in the background (its own process group, a free
 * loopback port), after stopping the one that served it before. It is recorded as soon as it is
 * spawned (pid and process group: `local down` stops it from there), and recorded again with its
 * port and endpoint once it answers. Until then it is a job (`startJob`): SIGINT or SIGTERM to this
 * process (Ctrl-C) stops its process group, removes its folder and its record, and says so.
 */
export async function startServer(options: StartServerOptions): Promise<ServingRecord> {
  const { stateDir, model } = options;
  await stopServer(stateDir, model);
  const dir = join(servingDir(stateDir), model);
  const record = recordFile(stateDir, model);
  const running = startJob(`the serving stand-in of ${model}`, dir, false, [
    { what: 'its record', path: record },
  ]);
  try {
    return await spawnServer(options, dir, record, running);
  } finally {
    running.end();
  }
}

async function spawnServer(
  options: StartServerOptions,
  dir: string,
  record: string,
  running: RunningJob,
): Promise<ServingRecord> {
  const { model } = options;
  mkdirSync(dir, { recursive: true });
  await options.prepare?.(running);
  const captureDir = join(dir, 'capture');
  // Captures of an earlier server went up with its smoke tests; they are not this endpoint's.
  rmSync(captureDir, { recursive: true, force: true });
  mkdirSync(captureDir, { recursive: true });
  const logPath = join(dir, 'server.log');
  const log = openSync(logPath, 'w');
  const python = options.python ?? DEFAULT_PYTHON;
  if (interrupted()) return new Promise(() => {}); // the interrupt removes the folder and exits
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
      ...(options.shadow
        ? [
            '--shadow-model-dir',
            options.shadow.modelDir,
            '--shadow-files-sha256',
            options.shadow.filesSha256,
            '--shadow-variant-name',
            options.shadow.variantName,
            '--shadow-sampling-percent',
            String(options.shadow.samplingPercent),
          ]
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
  child.on('error', (error) => (exited = error.message));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the serving stand-in of ${model}`);
  running.attach(pid);
  const starting: StartingRecord = {
    model,
    pid,
    processGroup: pid,
    starting: true,
    log: logPath,
    startedAt: new Date().toISOString(),
  };
  writeRecord(record, starting);
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    // Once an interrupt is stopping the stand-in, its end is not a failure to report.
    if (interrupted()) return new Promise(() => {});
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(logPath, 'utf8'))?.[1];
    if (port) {
      const served: ServingRecord = {
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
        startedAt: starting.startedAt,
      };
      writeRecord(record, served);
      return served;
    }
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) await stopProcessGroup(pid, MARKER);
      rmSync(record, { force: true });
      throw new Error(
        `the serving stand-in of ${model} ${exited !== undefined ? `exited (${exited})` : 'did not answer'}:\n${tailFile(logPath)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Writes a record whole (a reader, the emulator's Runtime API, never sees half of one). */
function writeRecord(file: string, record: ServingRecord | StartingRecord): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(record, null, 2) + '\n');
  renameSync(partial, file);
}

/** Stops the server of `model` (serving or starting); whether one ran. */
export async function stopServer(stateDir: string, model: string): Promise<boolean> {
  const record = recordedProcess(stateDir, model);
  // Stopped before its record goes: interrupted in between, the record still says what runs.
  if (record) await stopProcessGroup(record.pid, MARKER, new Date(record.startedAt));
  rmSync(recordFile(stateDir, model), { force: true });
  return record !== undefined;
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
