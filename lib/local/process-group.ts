import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether `pid` is a live (not zombie) process whose command line contains `marker`: a recorded
 * pid that the system has since given to another program is not ours.
 */
export function isOwnProcess(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const proc = `/proc/${pid}`;
  if (!existsSync(proc)) return true; // no procfs: trust the signal check
  try {
    const state = readFileSync(`${proc}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`${proc}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** SIGTERM to the process group of `pid`, SIGKILL after 5 s if it is still there. */
export async function stopProcessGroup(pid: number, marker: string): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 50; i++) {
    if (!isOwnProcess(pid, marker)) return;
    await sleep(100);
  }
  signal('SIGKILL');
  for (let i = 0; i < 20 && isOwnProcess(pid, marker); i++) await sleep(100);
}

/** A process of a process group: its pid and its command's name (`python3`, `java`). */
export interface GroupProcess {
  readonly pid: number;
  readonly name: string;
}

/**
 * The live (not zombie) processes of the process group `pgid`, from procfs. A process that left
 * the group (`setsid`) is not in it. Without procfs, the group leader if the group answers a signal.
 */
export function groupProcesses(pgid: number): GroupProcess[] {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return [{ pid: pgid, name: '?' }];
    } catch {
      return [];
    }
  }
  const found: GroupProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // `pid (comm) state ppid pgrp ...`: the command name may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
    found.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/**
 * Ends every process of the group `pgid`: SIGTERM (a JVM runs its shutdown hooks), SIGKILL to
 * whatever is left after `graceMs`; resolves when none is left, or after 2 s more.
 */
export async function endProcessGroup(pgid: number, graceMs = 3000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // none left
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < graceMs && groupProcesses(pgid).length > 0; waited += 100) await sleep(100);
  if (groupProcesses(pgid).length === 0) return;
  signal('SIGKILL');
  for (let i = 0; i < 20 && groupProcesses(pgid).length > 0; i++) await sleep(100);
}

/** SIGKILL to every process of the group `pgid`, now (when there is no time to wait). */
export function killProcessGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // none left
  }
}

/** The last `lines` lines of a log file. */
export function tailFile(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A process started in the background by `spawnInBackground`. */
export interface BackgroundProcess {
  readonly pid: number;
  /** How it ended (exit code or signal), once it has; undefined while it runs. */
  exited(): string | undefined;
}

/**
 * Starts `command` detached, in its own process group (so that stopping it stops its children),
 * its output to `logFile`, not keeping this process alive.
 */
export function spawnInBackground(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly logFile: string },
): BackgroundProcess {
  const log = openSync(options.logFile, 'w');
  const child = spawn(command, [...args], { cwd: options.cwd, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ?? String(code)));
  child.on('error', (error) => (exited = error.message));
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { pid: child.pid, exited: () => exited };
}
