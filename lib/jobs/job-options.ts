import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import type { ObjectStore } from '../ops/object-store';
import type { ProcessResult } from './run-process';

/** How local SageMaker jobs run on this machine. */
export interface LocalJobOptions {
  /** Where the jobs' inputs come from and their outputs go. */
  readonly store: ObjectStore;
  /**
   * The Python that runs the scripts (as the image's `python3`).
   * @default - the project's `.venv/bin/python`
   */
  readonly python?: string;
  /**
   * The directory under which each job gets its own directory (its container root).
   * @default - `mlenv-jobs` in the system's temporary directory
   */
  readonly workDir?: string;
  /**
   * Keep the job's directory when it ends (to look at what the container saw).
   * @default false - it is removed
   */
  readonly keepJobDir?: boolean;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Called with each line of the job's log as the script writes it, and its stream. @default - none */
  readonly onLog?: (line: string, stream?: 'stdout' | 'stderr') => void;
}

/** What a local job did: SageMaker's description of it, and what only a local run can tell. */
export interface LocalJobRun<Description> {
  readonly description: Description;
  /** The script's stdout and stderr, interleaved (what CloudWatch Logs would hold). */
  readonly log: string;
  /** The script's exit status; undefined when it did not start or was killed. */
  readonly exitCode?: number;
  /** The job's container root, when `keepJobDir` kept it. */
  readonly jobDir?: string;
}

/** The project's Python environment, as `npm run setup` makes it. */
export const DEFAULT_PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

/** A new, empty directory for a job's container root. */
export function makeJobDir(options: LocalJobOptions, jobName: string): string {
  const parent = options.workDir ?? join(tmpdir(), 'mlenv-jobs');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${jobName}-`));
}

/** Removes the job's directory unless `keepJobDir`; returns it when kept. */
export function releaseJobDir(options: LocalJobOptions, jobDir: string): string | undefined {
  if (options.keepJobDir) return jobDir;
  rmSync(jobDir, { recursive: true, force: true });
  return undefined;
}

/** The end of a local job: its directory released (or kept), its description, log and exit status. */
export function finishJob<Description>(
  options: LocalJobOptions,
  jobDir: string,
  description: Description,
  run?: ProcessResult,
): LocalJobRun<Description> {
  const kept = releaseJobDir(options, jobDir);
  return {
    description,
    log: run?.log ?? '',
    ...(run && run.exitCode !== null && !run.timedOut ? { exitCode: run.exitCode } : {}),
    ...(kept ? { jobDir: kept } : {}),
  };
}

/** `arn:aws:sagemaker:<region>:<account of the role>:<kind>/<name>` (SageMaker lowercases names in ARNs). */
export function jobArn(options: LocalJobOptions, roleArn: string, kind: string, name: string): string {
  const account = /^arn:[\w-]+:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '000000000000';
  return `arn:aws:sagemaker:${options.region ?? 'us-east-1'}:${account}:${kind}/${name.toLowerCase()}`;
}

/** The environment every job process starts from: enough to find programs, nothing of ours. */
export function baseEnvironment(bin: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  for (const name of ['HOME', 'TMPDIR']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}
