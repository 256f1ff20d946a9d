import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pid a record may name: 0 and negative pids address process groups, 1 is init. */
const isProcessId = (pid: unknown): pid is number => Number.isInteger(pid) && (pid as number) > 1;

/**
 * Whether `pid` is a live (not zombie) process whose command line contains `marker`: a recorded
 * pid that the system has since given to another program is not ours. With `startedBy`, a process
 * started after that time is not the one recorded either (its pid was reused). A value that is not
 * a process id (0 and negative pids name process groups) is never ours.
 */
export function isOwnProcess(pid: number, marker: string, startedBy?: Date): boolean {
  if (!isProcessId(pid)) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const proc = `/proc/${pid}`;
  if (!existsSync('/proc/self/stat')) return commandLine(pid).includes(marker); // no procfs (macOS)
  try {
    // `pid (comm) state ppid ...`: the command name may hold spaces and parentheses.
    const stat = readFileSync(`${proc}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    if (startedBy && processStart(Number(fields[19])) > startedBy.getTime() + 1000) return false;
    return readFileSync(`${proc}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** A process's command line where there is no procfs: `ps`, or nothing. */
function commandLine(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** When a process started (ms since the epoch), from its start time in clock ticks since boot. */
function processStart(ticksSinceBoot: number): number {
  const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  // Linux's USER_HZ is 100 on every architecture Node supports.
  return btime ? Number(btime[1]) * 1000 + ticksSinceBoot * 10 : 0;
}

/**
 * SIGTERM to the process group of `pid`, SIGKILL after 5 s if it is still there. Nothing is sent
 * when `pid` is not a process id, or when it is alive as another program's (a reused pid, or one
 * started after `startedBy`, the time its record was written): only a
 * group whose leader is ours, or what is left of one whose leader has ended (Linux gives no new
 * process a pid still used as a group's id), is signalled.
 */
export async function stopProcessGroup(pid: number, marker: string, startedBy?: Date): Promise<void> {
  if (!isProcessId(pid)) return;
  if (isLiveProcess(pid) && !isOwnProcess(pid, marker, startedBy)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  // Ended when its leader is no longer ours and no member of its group is left (a member may
  // still be exiting after the leader has: the stop is not told before they are all gone).
  const ended = () => !isOwnProcess(pid, marker) && groupProcesses(pid).length === 0;
  signal('SIGTERM');
  for (let i = 0; i < 50; i++) {
    if (ended()) return;
    await sleep(100);
  }
  signal('SIGKILL');
  for (let i = 0; i < 20 && !ended(); i++) await sleep(100);
}

/** Whether `pid` runs (a zombie does not: a group whose leader is one may still have members). */
function isLiveProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]);
  } catch {
    return true; // no procfs: it answered the signal
  }
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
  // The environment as this module sees it, given explicitly: a host that gives modules their own
  // `process.env` (jest's sandbox does) would otherwise start the process with the real one.
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  });
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ?? String(code)));
  child.on('error', (error) => (exited = error.message));
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { pid: child.pid, exited: () => exited };
}
