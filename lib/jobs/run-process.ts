import { spawn } from 'node:child_process';
import { interrupted, type RunningJob } from './running-jobs';

/** What `runProcess` is to run. */
export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Kill the process (and its children) after this long. */
  readonly timeoutSeconds: number;
  /** Called with each line the process writes, as it writes it (the job's log stream). */
  readonly onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** The job it runs for: an interrupt stops the process's group (`startJob`). */
  readonly job?: RunningJob;
}

/** How a process ended. */
export interface ProcessResult {
  /** The exit status, or null when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it (`SIGKILL` from the OOM killer or its timeout, `SIGSEGV`), else null. */
  readonly signal: NodeJS.Signals | null;
  /** Killed for running longer than its timeout. */
  readonly timedOut: boolean;
  /**
   * The process was a shell (`sh -c ...`, `bash -c ...`, `sh script.sh`): a command of it that a
   * signal killed is reported in the shell's exit status, 128 + the signal's number, not as a signal.
   */
  readonly throughShell: boolean;
  /** Everything it wrote to stdout and stderr, interleaved in the order it arrived (the job's log). */
  readonly log: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/**
 * Runs a process in its own process group, so that a timeout or an interrupt ends the whole tree
 * (a shell and the python it `exec`s or forks, Spark's JVM), and collects its output. Once an
 * interrupt is stopping the jobs, a run neither starts nor settles: the interrupt ends the
 * command, and what the job would do next (fail, upload) must not happen.
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  const started = Date.now();
  if (interrupted()) return new Promise(() => {});
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const stderr: string[] = [];
    const partial = { stdout: '', stderr: '' };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log.push(text);
      if (stream === 'stderr') stderr.push(text);
      if (spec.onLog) {
        const lines = (partial[stream] + text).split('\n');
        partial[stream] = lines.pop() ?? '';
        for (const line of lines) spec.onLog(line, stream);
      }
    };
    if (child.pid !== undefined) spec.job?.attach(child.pid);
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, spec.timeoutSeconds * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      spec.job?.detach();
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      spec.job?.detach();
      if (interrupted()) return;
      if (spec.onLog) {
        for (const stream of ['stdout', 'stderr'] as const) {
          if (partial[stream]) spec.onLog(partial[stream], stream);
        }
      }
      resolve({
        exitCode: code,
        signal,
        timedOut,
        throughShell: isShell(spec.command),
        log: log.join(''),
        stderr: stderr.join(''),
        durationMs: Date.now() - started,
      });
    });
  });
}

/** The shells a job's command may be (a container's `sh -c`, CodeBuild's commands in `bash -c`). */
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'zsh']);

/** Whether `command` is a shell (by its name, or its path's last part): it reports how its commands ended. */
export function isShell(command: string): boolean {
  return SHELLS.has(command.split('/').pop() ?? command);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The last `lines` non-empty lines of `text`, joined by newlines (a failure reason). */
export function tail(text: string, lines = 10): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-lines)
    .join('\n');
}
