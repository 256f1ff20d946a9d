import { type ChildProcess, spawn } from 'node:child_process';
import { groupProcesses, isOwnProcess, stopProcessGroup } from '../../lib/jobs/process-group';

/** A process that is not ours to stop, in a group of its own: a shell with a child. */
function bystander(marker: string): ChildProcess {
  const child = spawn('sh', ['-c', `sleep 30 & wait # ${marker}`], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

const alive = (pid: number) => groupProcesses(pid).length > 0;
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

async function running(marker: string): Promise<number> {
  const child = bystander(marker);
  started.push(child);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return child.pid!;
}

describe('a record naming a process cannot make mlenv stop one that is not its own', () => {
  test.each([
    ['0 (this process group)', () => 0],
    ['a negative pid (another process group)', (pid: number) => -pid],
    ['1 (init)', () => 1],
    ['not a number', () => Number.NaN],
    ['a fraction', (pid: number) => pid + 0.5],
  ])('%s is never a process of ours, and nothing is signalled', async (_what, recorded) => {
    const pid = await running('mlenv-test-marker');
    expect(isOwnProcess(recorded(pid), 'mlenv-test-marker')).toBe(false);
    await stopProcessGroup(recorded(pid), 'mlenv-test-marker');
    expect(alive(pid)).toBe(true);
  });

  test("a live process whose command line lacks the record's marker is another program's: left running", async () => {
    const pid = await running('someone-else');
    expect(isOwnProcess(pid, 'mlenv-test-marker')).toBe(false);
    await stopProcessGroup(pid, 'mlenv-test-marker');
    expect(alive(pid)).toBe(true);
  });

  test('a process started after its record was written holds a reused pid: not ours, left running', async () => {
    const recordWritten = new Date(Date.now() - 60_000);
    const pid = await running('mlenv-test-marker');
    expect(isOwnProcess(pid, 'mlenv-test-marker', recordWritten)).toBe(false);
    await stopProcessGroup(pid, 'mlenv-test-marker', recordWritten);
    expect(alive(pid)).toBe(true);
  });

  test('our own process, recorded when it started, is stopped with its whole group', async () => {
    const pid = await running('mlenv-own-marker');
    const recordWritten = new Date();
    expect(groupProcesses(pid).length).toBe(2); // the shell and its sleep
    expect(isOwnProcess(pid, 'mlenv-own-marker', recordWritten)).toBe(true);
    await stopProcessGroup(pid, 'mlenv-own-marker', recordWritten);
    expect(alive(pid)).toBe(false);
  });
});
