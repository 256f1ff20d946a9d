import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { errorLine } from './error-line';
import type { ProcessResult } from './run-process';

/**
 * Why a job's script failed, in one line: the signal that killed it (what it printed before says
 * nothing of that: a warning, the last step it logged), else as the script said it (`errorLine`:
 * its exception, its `error:` line), else its exit status.
 */
export function scriptError(run: ProcessResult): string {
  const signal = killingSignal(run);
  if (signal) return killedBy(signal);
  return errorLine(run.log, run.stderr) ?? `exit status ${run.exitCode}`;
}

/**
 * The signal that ended the job's command: the process's own, or, when the process was a shell,
 * the one its exit status says killed the command it ran (a shell exits 128 + the signal's number:
 * 137 for SIGKILL, as `sh -c` entrypoints and CodeBuild's `bash` report an OOM kill). A shell's
 * own `exit 137` reads the same: shells give no other way to tell.
 */
export function killingSignal(run: ProcessResult): NodeJS.Signals | undefined {
  if (run.signal) return run.signal;
  if (!run.throughShell || run.exitCode === null || run.exitCode <= 128) return undefined;
  return SIGNAL_NAMES.get(run.exitCode - 128);
}

/** Each signal's name by its number (the first name of a number several have: SIGIOT is SIGABRT). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  (Object.entries(constants.signals) as Array<[NodeJS.Signals, number]>)
    .reverse()
    .map(([name, number]) => [number, name]),
);

/**
 * `killed by SIGSEGV`; SIGKILL is most often the kernel's OOM killer (a job killed for its timeout
 * is told as a timeout, and an interrupt stops the command before a job settles).
 */
function killedBy(signal: NodeJS.Signals): string {
  return signal === 'SIGKILL' ? 'killed by SIGKILL (out of memory?)' : `killed by ${signal}`;
}

/**
 * The exit status a container reports for the process: its own, or 128 + the number of the signal
 * that killed it, as a shell and Docker report it (SIGKILL: 137).
 */
export function exitStatus(run: ProcessResult): number {
  if (run.exitCode !== null) return run.exitCode;
  return 128 + (run.signal ? constants.signals[run.signal] : 0);
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
