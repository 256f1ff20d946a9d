import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_PYTHON, type LocalJobOptions, makeJobDir, releaseJobDir } from '../../../jobs/job-options';
import { downloadPrefix, filesUnder } from '../../../jobs/transfer';
import { exitStatus, keepFailedJobLog, scriptError } from '../../../jobs/job-failure';
import { runProcess } from '../../../jobs/run-process';
import { type InterruptHook, startJob } from '../../../jobs/running-jobs';
import { joinS3Uri } from '../../../ops/s3-uri';

/** A Glue job as deployed (`AWS::Glue::Job`): what a local run of it needs. */
export interface GlueJobDefinition {
  readonly name: string;
  /** `s3://` location of the PySpark script. */
  readonly scriptLocation: string;
  readonly defaultArguments: Readonly<Record<string, string>>;
  readonly timeoutMinutes: number;
}

/**
 * How the data pipeline's PySpark script (ml/data/etl.py) reads and writes S3, which Spark in local
 * mode cannot reach: `--raw` is downloaded before the run; `--curated` and `--quarantine` are
 * partitioned by ingestion date (a run replaces the partitions it writes, as Spark's dynamic
 * overwrite does on S3); `--report` is an object the script puts itself (boto3, to the emulator),
 * so it is passed as it is. Glue's `--TempDir` has no use locally. Any other `s3://` argument fails
 * the run, naming it, so that a new one is given a meaning here. `--table-location` tells the
 * script the S3 folder of `--curated`, for the Glue table it registers.
 */
const S3_ARGUMENTS: Readonly<Record<string, 'input' | 'partitioned-output' | 'object' | 'unused'>> = {
  '--raw': 'input',
  '--curated': 'partitioned-output',
  '--quarantine': 'partitioned-output',
  '--report': 'object',
  '--TempDir': 'unused',
};

export interface LocalGlueJobOptions extends LocalJobOptions {
  /** The environment through which the script reaches AWS (the emulator's endpoint and credentials). */
  readonly awsEnvironment: NodeJS.ProcessEnv;
  /**
   * The run's id, when the caller names the run before it starts (Step Functions' TaskSubmitted).
   * @default - a new one (`glueJobRunId`)
   */
  readonly runId?: string;
  /**
   * What to do when an interrupt (Ctrl-C) stops the run, which then never returns: awaited before
   * the command exits (write its log so far).
   */
  readonly onInterrupt?: InterruptHook;
}

/** A new Glue job run id: `jr_` and 64 hex digits, as Glue's. */
export function glueJobRunId(): string {
  return `jr_${randomBytes(32).toString('hex')}`;
}

/** A local run of a Glue job, answered to Step Functions as `glue:getJobRun` would. */
export interface LocalGlueJobRun {
  readonly Id: string;
  readonly JobName: string;
  readonly JobRunState: 'SUCCEEDED';
  readonly Arguments: Record<string, string>;
  /** The script's stdout and stderr. */
  readonly log: string;
}

/** A failed run, named as Step Functions names a failed `glue:startJobRun.sync`. */
export class GlueJobFailed extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'States.TaskFailed';
  }
}

/**
 * Runs a Glue job's PySpark script on this machine with Spark in local mode (the project's
 * PySpark, pinned to the Glue version's Spark), with the job's default arguments and the run's,
 * its S3 data moved as `S3_ARGUMENTS` says, and AWS calls (the catalog table) going to the emulator.
 */
export async function runGlueJob(
  job: GlueJobDefinition,
  runArguments: Readonly<Record<string, string>>,
  options: LocalGlueJobOptions,
): Promise<LocalGlueJobRun> {
  const args = { ...job.defaultArguments, ...runArguments };
  const id = options.runId ?? glueJobRunId();
  const jobDir = makeJobDir(options, job.name);
  const running = startJob(`the Glue job ${job.name}`, jobDir, options.keepJobDir);
  if (options.onInterrupt) running.onInterrupt(options.onInterrupt);
  try {
    const script = join(jobDir, basename(job.scriptLocation) || 'script.py');
    writeFileSync(script, await options.store.get(job.scriptLocation));
    const argv: string[] = [];
    const outputs: Array<{ uri: string; dir: string }> = [];
    for (const [name, value] of Object.entries(args)) {
      if (!value.startsWith('s3://')) {
        argv.push(name, value);
        continue;
      }
      const kind = S3_ARGUMENTS[name];
      if (!kind)
        throw new GlueJobFailed(`the local Glue runner does not know what ${name} (${value}) is for`);
      if (kind === 'unused') continue;
      if (kind === 'object') {
        argv.push(name, value);
        continue;
      }
      const dir = join(jobDir, 'data', name.replace(/^-+/, ''));
      if (kind === 'input') await downloadPrefix(options.store, value, dir);
      else outputs.push({ uri: value, dir });
      argv.push(name, dir);
      // The catalog table the script registers describes the S3 folder, not this machine's copy.
      if (name === '--curated') argv.push('--table-location', value);
    }
    const python = options.python ?? DEFAULT_PYTHON;
    const run = await runProcess({
      command: python,
      args: [script, ...argv],
      cwd: jobDir,
      env: {
        ...(options.awsEnvironment as Record<string, string>),
        PATH: `${dirname(python)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        PYSPARK_PYTHON: python,
        PYSPARK_SUBMIT_ARGS: '--master local[2] --conf spark.ui.enabled=false pyspark-shell',
        SPARK_LOCAL_IP: '127.0.0.1',
        PYTHONUNBUFFERED: '1',
      },
      timeoutSeconds: job.timeoutMinutes * 60,
      onLog: options.onLog && ((line, stream) => options.onLog!(line, stream)),
      job: running,
    });
    if (run.timedOut) {
      throw new GlueJobFailed(
        `${job.name} timed out after ${job.timeoutMinutes} minutes\n${keepFailedJobLog(jobDir, run, options.keepJobDir)}`,
      );
    }
    if (run.exitCode !== 0) {
      // The script's own error line first (what Step Functions' error shows), then the log.
      throw new GlueJobFailed(
        `${scriptError(run)}\n${job.name} exited with status ${exitStatus(run)}; ${keepFailedJobLog(jobDir, run, options.keepJobDir)}`,
      );
    }
    for (const output of outputs) await uploadOutput(options, output);
    return { Id: id, JobName: job.name, JobRunState: 'SUCCEEDED', Arguments: args, log: run.log };
  } finally {
    running.end();
    releaseJobDir(options, jobDir);
  }
}

/**
 * Replaces what the run wrote under `uri`: each partition folder it wrote (`ingestion_date=<d>/`)
 * is deleted from S3 and uploaded again. Spark's local checksum files (`.*.crc`), which it does not
 * write to S3, stay behind.
 */
async function uploadOutput(options: LocalJobOptions, output: { uri: string; dir: string }): Promise<void> {
  mkdirSync(output.dir, { recursive: true });
  const replaced = readdirSync(output.dir).filter((entry) => statSync(join(output.dir, entry)).isDirectory());
  for (const part of replaced) {
    for (const uri of await options.store.list(joinS3Uri(output.uri, `${part}/`)))
      await options.store.delete(uri);
  }
  for (const file of filesUnder(output.dir)) {
    if (basename(file).startsWith('.')) continue;
    await options.store.put(joinS3Uri(output.uri, file), readFileSync(join(output.dir, ...file.split('/'))));
  }
}
