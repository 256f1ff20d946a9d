import { writeFileSync } from 'node:fs';
import { errorLine } from './error-line';
import type { ProcessResult } from './run-process';

/**
 * Why a job's script failed, in one line, as the script said it (`errorLine`: its exception, its
 * `error:` line), else its exit status.
 */
export function scriptError(run: ProcessResult): string {
  return errorLine(run.log, run.stderr) ?? `exit status ${run.exitCode}`;
}

/**
 * Keeps a failed job's whole log (its script's stdout and stderr) beside the job's folder, in
 * `<folder>.log`, which outlives the folder; returns the line that says where it is
 * (`full log: <file>`), the last of a failure's message.
 */
export function keepFailedJobLog(jobDir: string, run: ProcessResult, keptFolder?: boolean): string {
  const file = `${jobDir}.log`;
  writeFileSync(file, run.log);
  return `full log: ${file}${keptFolder ? ` (the job's folder is kept: ${jobDir})` : ''}`;
}
