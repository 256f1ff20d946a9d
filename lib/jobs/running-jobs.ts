import { rmSync } from 'node:fs';
import { endProcessGroup, type GroupProcess, groupProcesses, killProcessGroup } from './process-group';

/** A local job while it runs, so that an interrupt can end it (`startJob`). */
export interface RunningJob {
  /** Its process started, leading its own process group (`runProcess` spawns it detached). */
  attach(pid: number): void;
  /** Its process ended. */
  detach(): void;
  /** The job ended: nothing of it is left to stop. */
  end(): void;
  /**
   * What to do once an interrupt has stopped its processes, before the command exits: record the
   * job as stopped where AWS's APIs read it (the emulator), write its partial log. Awaited, up to
   * `INTERRUPT_HOOK_MS`; one that fails or takes longer does not keep the command from exiting.
   */
  onInterrupt(hook: InterruptHook): void;
}

/** A job's last words on an interrupt: given the signal (`SIGINT`), so it can say what stopped it. */
export type InterruptHook = (signal: Interrupt) => Promise<unknown>;

interface Job {
  /** What it is, for the line that says what was stopped: `the Glue job mlenv-local-churn-etl`. */
  readonly label: string;
  readonly dir: string;
  readonly keep: boolean;
  readonly files: readonly JobFile[];
  readonly hooks: InterruptHook[];
  pid?: number;
}

/** A file of a job outside its folder, removed with it: `{ what: 'its record', path }`. */
export interface JobFile {
  /** How the line that says what was stopped names it: `its record`. */
  readonly what: string;
  readonly path: string;
}

const INTERRUPTS = ['SIGINT', 'SIGTERM'] as const;
export type Interrupt = (typeof INTERRUPTS)[number];

/** How long an interrupt waits for the jobs' hooks (a record to the emulator takes milliseconds). */
const INTERRUPT_HOOK_MS = 10_000;

/** The exit status of a command interrupted by a signal, as the CLI's others exit (128 + SIGINT). */
const INTERRUPTED_EXIT_CODE = 130;

const running = new Set<Job>();
/** The signal being handled, once one came: the jobs are being stopped. */
let interruptedBy: Interrupt | undefined;
/** Whether another handler of the signal was there before ours: it exits, not us. */
const handledElsewhere: Partial<Record<Interrupt, boolean>> = {};
/** What the interrupt (or the exit) stops: each job, its process group, what was in it. */
let stopped: StoppedJob[] | undefined;

interface StoppedJob {
  readonly job: Job;
  readonly pid?: number;
  readonly processes: readonly GroupProcess[];
}

/**
 * Registers a job that is starting, with its folder, so that SIGINT or SIGTERM to this process
 * (Ctrl-C) while it runs ends it: its whole process group (the script, Spark's JVM, what they
 * started) is stopped, its folder removed (unless `keep`), and one line says what was stopped;
 * then the process exits 130, unless a handler of the signal was installed before (the main job
 * stops the local environment, and exits itself). Whatever is left when the process exits (that
 * handler exited first) is killed and removed then. `files` outside the folder that say the job
 * runs (a serving stand-in's record, which `local down` reads) are removed with it, kept or not.
 */
export function startJob(
  label: string,
  dir: string,
  keep = false,
  files: readonly JobFile[] = [],
): RunningJob {
  const job: Job = { label, dir, keep, files, hooks: [] };
  running.add(job);
  listen();
  return {
    attach: (pid) => (job.pid = pid),
    detach: () => (job.pid = undefined),
    onInterrupt: (hook) => job.hooks.push(hook),
    end: () => {
      running.delete(job);
      if (running.size === 0 && !interruptedBy) unlisten();
    },
  };
}

/** Why a job stopped by an interrupt stopped, as its description says it (FailureReason, ExitMessage). */
export function interruptedReason(signal: Interrupt): string {
  return `interrupted by ${signal}: the local job's processes were stopped`;
}

/** Whether an interrupt is stopping the jobs: a job's process that ends now was stopped by it. */
export function interrupted(): boolean {
  return interruptedBy !== undefined;
}

function listen(): void {
  if (running.size !== 1 || interruptedBy) return;
  for (const signal of INTERRUPTS) {
    handledElsewhere[signal] = process.listenerCount(signal) > 0;
    process.on(signal, onInterrupt);
  }
  process.on('exit', onExit);
}

function unlisten(): void {
  for (const signal of INTERRUPTS) process.removeListener(signal, onInterrupt);
  process.removeListener('exit', onExit);
}

function onInterrupt(signal: Interrupt): void {
  if (interruptedBy) {
    // A second Ctrl-C: no more waiting for the jobs to shut down.
    for (const { pid } of stopped ?? []) if (pid !== undefined) killProcessGroup(pid);
    return;
  }
  interruptedBy = signal;
  stopped = runningJobs();
  const jobs = stopped;
  void Promise.all(jobs.map(({ pid }) => pid !== undefined && endProcessGroup(pid)))
    .then(() => runHooks(jobs, signal))
    .then(() => {
      finish();
      if (!handledElsewhere[signal]) process.exit(INTERRUPTED_EXIT_CODE);
    });
}

/** The stopped jobs' hooks, together, each error told on stderr, for at most `INTERRUPT_HOOK_MS`. */
async function runHooks(jobs: readonly StoppedJob[], signal: Interrupt): Promise<void> {
  const hooks = jobs.flatMap(({ job }) =>
    job.hooks.map((hook) =>
      Promise.resolve()
        .then(() => hook(signal))
        .catch((error: Error) => process.stderr.write(`${signal}: ${job.label}: ${error.message}\n`)),
    ),
  );
  if (hooks.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(hooks),
    new Promise((resolve) => (timer = setTimeout(resolve, INTERRUPT_HOOK_MS))),
  ]);
  clearTimeout(timer);
}

/** The process exits with jobs still there: they are killed now, nothing can wait. */
function onExit(): void {
  stopped ??= runningJobs();
  for (const { pid } of stopped) if (pid !== undefined) killProcessGroup(pid);
  finish();
}

function runningJobs(): StoppedJob[] {
  return [...running].map((job) => ({
    job,
    pid: job.pid,
    processes: job.pid === undefined ? [] : groupProcesses(job.pid),
  }));
}

/** Whether the line that says what was stopped was written. */
let told = false;

/**
 * Removes the stopped jobs' folders (again at the exit: a download still under way when another
 * handler kept the process alive may have written into one) and says what was stopped, once.
 */
function finish(): void {
  if (!stopped || stopped.length === 0) return;
  for (const { job } of stopped) {
    if (!job.keep) rmSync(job.dir, { recursive: true, force: true, maxRetries: 5 });
    for (const file of job.files) rmSync(file.path, { force: true });
  }
  if (told) return;
  told = true;
  const what = stopped.map(({ job, processes }) => {
    const tree =
      processes.length > 0
        ? `(${processes.map((p) => `${p.name} ${p.pid}`).join(', ')})`
        : '(before its process started)';
    const files = job.files.map((file) => ` and removed ${file.what} ${file.path}`).join('');
    return `${job.label} ${tree} and ${job.keep ? 'kept' : 'removed'} its folder ${job.dir}${files}`;
  });
  process.stderr.write(`${interruptedBy ?? 'exiting'}: stopped ${what.join('; ')}\n`);
}
