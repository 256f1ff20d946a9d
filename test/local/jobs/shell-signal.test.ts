import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildFailed, runCodeBuild } from '../../../lib/tools/integrations/codebuild-build/local-build';
import { exitStatus, scriptError } from '../../../lib/jobs/job-failure';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { runProcessingJob } from '../../../lib/tools/integrations/sagemaker-job/processing-job';
import { runProcess } from '../../../lib/jobs/run-process';
import { BUILD_SOURCE, storeWithBuildSource } from './build-source';

/**
 * A job's command run through a shell (a processing container's `sh -c` entrypoint, CodeBuild's
 * commands in `bash`) whose command a signal kills: the shell exits 128 + the signal's number
 * (POSIX, "Exit Status for Commands"; bash(1) "EXIT STATUS"), it is not killed itself. The cause
 * line must still name the signal, as it does for a script killed directly.
 */
const workDir = mkdtempSync(join(tmpdir(), 'mlenv-shell-signal-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** A Python command that writes a warning (not why it stops), then kills itself with `signal`. */
const selfKilling = (signal: string) =>
  `python3 -c 'import os, signal, sys; print("UserWarning: a warning", file=sys.stderr, flush=True); os.kill(os.getpid(), signal.${signal})'`;

// Kill signals the kernel or a supervisor sends; SIGKILL is the OOM killer's.
const SIGNALS = [
  ['SIGKILL', 'killed by SIGKILL (out of memory?)'],
  ['SIGTERM', 'killed by SIGTERM'],
  ['SIGSEGV', 'killed by SIGSEGV'],
] as const;

describe.each(['sh', 'bash'])('a command %s runs', (shell) => {
  test.each(SIGNALS)(
    'killed by %s is told killed by it, with the status the shell reports',
    async (signal, line) => {
      // The kill is not the shell's last command: the shell stays (no exec), as a script does.
      const run = await runProcess({
        command: shell,
        args: ['-c', `set -e\n${selfKilling(signal)}\necho not reached`],
        cwd: workDir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        timeoutSeconds: 60,
      });
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(128 + constants.signals[signal]);
      expect(scriptError(run)).toBe(line);
      expect(exitStatus(run)).toBe(128 + constants.signals[signal]);
    },
  );
});

test("a process that is not a shell exiting 137 is told by its output: only a shell's status means a signal", async () => {
  const run = await runProcess({
    command: 'python3',
    args: ['-c', 'import sys; sys.exit("error: the input has no rows")'],
    cwd: workDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeoutSeconds: 60,
  });
  expect(scriptError(run)).toBe('error: the input has no rows');
  const exit137 = await runProcess({
    command: 'python3',
    args: ['-c', 'import sys; print("exiting"); sys.exit(137)'],
    cwd: workDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeoutSeconds: 60,
  });
  expect(exit137.exitCode).toBe(137);
  expect(scriptError(exit137)).toBe('exiting');
});

test('a processing job whose sh -c entrypoint runs a command the OOM killer ends fails with killed by SIGKILL', async () => {
  const { description } = await runProcessingJob(
    {
      ProcessingJobName: 'killed-1',
      RoleArn: 'arn:aws:iam::123456789012:role/jobs',
      AppSpecification: {
        ImageUri: 'example.com/image:1',
        // The container's python3 runs scripts, not `-c`: the killed command is a shell here.
        ContainerEntrypoint: ['sh', '-c', `set -e; echo reading; sh -c 'kill -KILL $$'; echo not reached`],
      },
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large' } },
    },
    { store: new MemoryObjectStore(), workDir },
  );
  expect(description.ProcessingJobStatus).toBe('Failed');
  expect(description.FailureReason?.split('\n')[0]).toBe(
    'AlgorithmError: killed by SIGKILL (out of memory?)',
  );
});

test('a CodeBuild build whose command the OOM killer ends fails with killed by SIGKILL and status 137', async () => {
  const store = await storeWithBuildSource(workDir);
  const error: unknown = await runCodeBuild(
    {
      name: 'features',
      source: BUILD_SOURCE,
      buildSpec: JSON.stringify({
        version: '0.2',
        phases: { build: { commands: ['echo building', selfKilling('SIGKILL'), 'echo not reached'] } },
      }),
      environmentVariables: {},
      timeoutMinutes: 5,
    },
    {},
    { store, workDir, awsEnvironment: {} },
  ).then(
    () => undefined,
    (failed: unknown) => failed,
  );
  expect(error).toBeInstanceOf(BuildFailed);
  const [first, second] = (error as BuildFailed).message.split('\n');
  expect(first).toBe('killed by SIGKILL (out of memory?)');
  expect(second).toMatch(/^features exited with status 137; full log: \S+\.log$/);
});
