import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { running, until } from '../../support/processes';

/**
 * Ctrl-C during a tuning job's trial (issue 30's design, test 13): the trial's process is
 * stopped, the trial is recorded Stopped (DescribeTrainingJob's status, with its TuningJobArn)
 * with its log so far, and the tuning job Stopped with that trial counted; no other trial starts,
 * and the command exits 130 as for any interrupted job.
 */
const FIXTURE = join(__dirname, 'interrupted-tuning.ts');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlenv-tuning-interrupt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

test('SIGINT during a trial records the trial and the tuning job Stopped', async () => {
  const workDir = join(dir, 'jobs');
  const pidsFile = join(dir, 'pids');
  const command = spawn(process.execPath, ['--import', 'tsx', FIXTURE, workDir, pidsFile], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  command.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exit = exited(command);
  try {
    await until(() => existsSync(pidsFile), 60_000);
    const script = Number(readFileSync(pidsFile, 'utf8'));
    expect(running(script)).toBe(true);

    process.kill(-command.pid!, 'SIGINT');
    expect(await exit).toBe(130);
    await until(() => !running(script), 2000);
    expect(readdirSync(workDir)).toEqual([]);
    expect(stdout).toBe('');

    const recorded = JSON.parse(readFileSync(`${pidsFile}.hook`, 'utf8')) as {
      jobs: Array<Record<string, unknown>>;
      tuning: Array<Record<string, any>>;
      logs: Array<{ stream: string }>;
    };
    expect(recorded.jobs).toHaveLength(1);
    const [trial] = recorded.jobs;
    expect([trial.TrainingJobStatus, trial.SecondaryStatus]).toEqual(['Stopped', 'Stopped']);
    expect(trial.FailureReason).toContain('interrupted by SIGINT');
    expect(String(trial.TuningJobArn)).toMatch(/:hyper-parameter-tuning-job\//);
    const tuning = recorded.tuning.at(-1)!;
    expect(tuning.HyperParameterTuningJobStatus).toBe('Stopped');
    expect(tuning.TrainingJobStatusCounters).toMatchObject({ Completed: 0, Stopped: 1 });
    expect(recorded.logs.at(-1)?.stream).toMatch(
      new RegExp(`^${String(trial.TrainingJobName)}/algo-1-\\d+$`),
    );
  } finally {
    try {
      process.kill(-command.pid!, 'SIGKILL');
    } catch {
      // it exited
    }
  }
});
