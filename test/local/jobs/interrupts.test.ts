import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { running, until } from '../../support/processes';

/**
 * Ctrl-C during a local job: the terminal sends SIGINT to the command's process group, which the
 * job's processes are not in (each job runs in its own group). The command must stop the job's
 * whole tree, remove its folder, say so in one line and exit 130, as shells report a command
 * ended by SIGINT (128 + 2).
 */
const FIXTURE = join(__dirname, 'interrupted-job.ts');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlenv-interrupt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

test.each([
  ['SIGINT', []],
  ['SIGTERM', []],
  ['SIGINT', ['--other-handler']],
  ['SIGINT', ['--hook']],
  ['SIGINT', ['--processing']],
  ['SIGTERM', ['--training']],
] as const)(
  '%s to the command %j during a job stops its script and the grandchild, removes its folder and says so',
  async (signal, extra) => {
    const workDir = join(dir, 'jobs');
    const pidsFile = join(dir, 'pids');
    // Its own process group, as a shell's foreground command: the signal goes to the group.
    const command = spawn(process.execPath, ['--import', 'tsx', FIXTURE, workDir, pidsFile, ...extra], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    command.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    command.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exit = exited(command);
    try {
      await until(() => existsSync(pidsFile), 60_000);
      const [script, grandchild] = readFileSync(pidsFile, 'utf8').split(' ').map(Number);
      expect([running(script), running(grandchild)]).toEqual([true, true]);
      const [jobFolder] = readdirSync(workDir);
      expect(jobFolder).toMatch(/^sleeper/);

      process.kill(-command.pid!, signal);
      expect(await exit).toBe(130);

      // A process killed as the command exits may take a moment to go.
      await until(() => !running(script) && !running(grandchild), 2000);
      expect(readdirSync(workDir)).toEqual([]);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const kind = extra.includes('--processing' as never)
        ? 'processing'
        : extra.includes('--training' as never)
          ? 'training'
          : 'Glue';
      expect(lines[0]).toMatch(new RegExp(`^${signal}: stopped the ${kind} job sleeper \\(.*\\)`));
      expect(lines[0]).toContain(` ${script}`);
      expect(lines[0]).toContain(`sleep ${grandchild}`);
      expect(lines[0]).toContain(`removed its folder ${join(workDir, jobFolder)}`);
      expect(stdout).toBe('');
      // The job's interrupt hook (its record, its log so far) ran before the command exited.
      if (extra.includes('--hook' as never)) {
        expect(readFileSync(`${pidsFile}.hook`, 'utf8')).toBe(`jr_interrupted ${signal}`);
      }
      // A processing job is handed over Stopped (DescribeProcessingJob's status), saying why.
      if (extra.includes('--processing' as never)) {
        const stopped = JSON.parse(readFileSync(`${pidsFile}.hook`, 'utf8')) as Record<string, string>;
        expect(stopped.ProcessingJobStatus).toBe('Stopped');
        expect(stopped.ExitMessage).toContain(`interrupted by ${signal}`);
        expect(stopped.ProcessingJobName).toBe('sleeper');
      }
      // A training job: DescribeTrainingJob's Stopped (status and secondary status), why, no model.
      if (extra.includes('--training' as never)) {
        const stopped = JSON.parse(readFileSync(`${pidsFile}.hook`, 'utf8')) as Record<string, unknown>;
        expect([stopped.TrainingJobStatus, stopped.SecondaryStatus]).toEqual(['Stopped', 'Stopped']);
        expect(stopped.FailureReason).toContain(`interrupted by ${signal}`);
        expect(stopped.ModelArtifacts).toBeUndefined();
        expect(stopped.FinalMetricDataList).toEqual([]);
      }
    } finally {
      try {
        process.kill(-command.pid!, 'SIGKILL');
      } catch {
        // it exited
      }
    }
  },
);
