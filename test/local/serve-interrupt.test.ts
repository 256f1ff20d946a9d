import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { runningServer, servingDir, stopAllServers } from '../../lib/local/serving-process';
import { running, until } from '../support/processes';

/**
 * Ctrl-C while `mlenv local serve` starts a model's serving stand-in. The stand-in runs in its own
 * process group (it outlives the command once it serves), so the terminal's SIGINT does not reach
 * it: the command must stop it, remove its folder and its record (the file `local down` reads),
 * say so in one line and exit 130 (128 + SIGINT, as a shell reports it). The record is written as
 * soon as the stand-in is spawned, so that a command killed outright (SIGKILL: no handler runs)
 * leaves a stand-in that `local down` still stops.
 */
const FIXTURE = join(__dirname, 'interrupted-serve.ts');
const models = platformConfig().models.map((m) => [m.name]);

/**
 * A `python` that never answers: as the stand-in's interpreter, its command line holds the stand-in's
 * (serving_standin.py, by which a recorded pid is known to be one); it starts a child, says both pids.
 */
const FAKE_PYTHON = `#!/bin/sh
sleep 300 &
printf '%s %s' "$$" "$!" > "$PIDS_FILE.tmp"
mv "$PIDS_FILE.tmp" "$PIDS_FILE"
wait
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlenv-serve-interrupt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture command, in its own process group as a shell's foreground command is. */
function startCommand(model: string) {
  const stateDir = join(dir, 'state');
  const python = join(dir, 'python');
  const pidsFile = join(dir, 'pids');
  writeFileSync(python, FAKE_PYTHON);
  chmodSync(python, 0o755);
  const command = spawn(process.execPath, ['--import', 'tsx', FIXTURE, stateDir, model, python, pidsFile], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  command.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  command.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => command.on('exit', (code) => resolve(code)));
  const record = join(servingDir(stateDir), `${model}.json`);
  /** The stand-in's pids, once it has started and is recorded. */
  const started = async () => {
    await until(() => existsSync(pidsFile), 60_000);
    const [standIn, child] = readFileSync(pidsFile, 'utf8').split(' ').map(Number);
    return { standIn, child };
  };
  return { command, exit, output, stateDir, record, started };
}

/** A process's command name (`comm`), or '' once it has ended. */
function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function killGroup(leader: ChildProcess | number): void {
  try {
    process.kill(-(typeof leader === 'number' ? leader : leader.pid!), 'SIGKILL');
  } catch {
    // it exited
  }
}

describe.each(models)('%s', (model) => {
  test.each([
    ['SIGINT', 'the process group'],
    ['SIGINT', 'the command'],
    ['SIGTERM', 'the command'],
  ] as const)(
    '%s to %s while the stand-in starts stops it and its child, removes its folder and record, and says so',
    async (signal, target) => {
      const { command, exit, output, stateDir, record, started } = startCommand(model);
      let pids: { standIn: number; child: number } | undefined;
      try {
        pids = await started();
        // The fake's child is named sleep once it has exec'd (until then it is a forked shell).
        await until(() => commandName(pids!.child) === 'sleep', 5000);
        // Recorded as soon as it is spawned: its pid and process group, no port yet.
        await until(() => existsSync(record), 5000);
        const recorded = JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>;
        expect(recorded).toMatchObject({ model, pid: pids.standIn, processGroup: pids.standIn });
        expect(recorded.port).toBeUndefined();
        // Not serving yet: what calls a served model does not find it.
        expect(runningServer(stateDir, model)).toBeUndefined();
        expect([running(pids.standIn), running(pids.child)]).toEqual([true, true]);

        process.kill(target === 'the process group' ? -command.pid! : command.pid!, signal);
        expect(await exit).toBe(130);

        await until(() => !running(pids!.standIn) && !running(pids!.child), 2000);
        expect(existsSync(record)).toBe(false);
        const folder = join(servingDir(stateDir), model);
        expect(existsSync(folder)).toBe(false);
        const lines = output.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^${signal}: stopped the serving stand-in of ${model} \\(`));
        expect(lines[0]).toContain(` ${pids.standIn}`);
        expect(lines[0]).toContain(`sleep ${pids.child}`);
        expect(lines[0]).toContain(`removed its folder ${folder} and removed its record ${record}`);
        expect(output.stdout).toBe('');
      } finally {
        killGroup(command);
        if (pids) killGroup(pids.standIn); // the stand-in's own group, if a test failed
      }
    },
  );

  test('a command killed outright (no handler runs) leaves the starting stand-in recorded: local down stops it', async () => {
    const { command, exit, stateDir, record, started } = startCommand(model);
    let pids: { standIn: number; child: number } | undefined;
    try {
      pids = await started();
      await until(() => existsSync(record), 5000);
      process.kill(command.pid!, 'SIGKILL');
      await exit;
      expect([running(pids.standIn), running(pids.child)]).toEqual([true, true]);

      // What `mlenv local down` does with the serving records.
      expect(await stopAllServers(stateDir)).toEqual([model]);
      await until(() => !running(pids!.standIn) && !running(pids!.child), 2000);
      expect(existsSync(record)).toBe(false);
    } finally {
      killGroup(command);
      if (pids) killGroup(pids.standIn); // the stand-in's own group, if a test failed
    }
  });
});
