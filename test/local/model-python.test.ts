import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { platformConfig } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { DEFAULT_PYTHON } from '../../lib/jobs/job-options';
import {
  ensureVenv,
  type Interpreter,
  interpreterOf,
  lockedPackages,
  lockMismatch,
  modelPython,
} from '../../lib/local/model-python';
import { modelLock } from '../../lib/platform/locks/python-locks';

jest.setTimeout(600_000); // a cold uv cache downloads each model's wheels once

const run = promisify(execFile);
const config = platformConfig();
const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** Every distribution a Python has, by normalized name (PEP 503), as importlib.metadata lists them. */
async function installed(python: string): Promise<Record<string, string>> {
  const { stdout } = await run(python, [
    '-c',
    'import json, importlib.metadata as m; print(json.dumps({d.metadata["Name"]: d.version for d in m.distributions()}))',
  ]);
  return Object.fromEntries(
    Object.entries(JSON.parse(stdout) as Record<string, string>).map(([n, v]) => [normalize(n), v]),
  );
}

describe('which Python can install a platform lock (CPython 3.11 on x86_64-manylinux_2_28)', () => {
  const target = { kind: 'platform', python: '3.11', platform: 'x86_64-manylinux_2_28' } as const;
  const linux: Interpreter = { version: '3.11.7', platform: 'linux', machine: 'x86_64', glibc: '2.35' };

  test('CPython 3.11 on x86_64 Linux with glibc 2.28 or newer can', () => {
    expect(lockMismatch(target, linux)).toBeUndefined();
    expect(lockMismatch(target, { ...linux, glibc: '2.28' })).toBeUndefined();
    expect(lockMismatch(target, { ...linux, glibc: '3.0' })).toBeUndefined();
  });

  test.each<[string, Partial<Interpreter>, RegExp]>([
    ['another minor version', { version: '3.12.1' }, /CPython 3\.11 is needed, this is 3\.12\.1/],
    ['a 3.1x that starts alike', { version: '3.1.5' }, /CPython 3\.11 is needed/],
    [
      'macOS',
      { platform: 'darwin', machine: 'arm64', glibc: '' },
      /x86_64 Linux is needed, this is arm64 darwin/,
    ],
    ['ARM Linux', { machine: 'aarch64' }, /x86_64 Linux is needed/],
    ['an older glibc', { glibc: '2.17' }, /glibc 2\.28 or newer is needed, this has 2\.17/],
    ['musl (no glibc)', { glibc: '' }, /glibc 2\.28 or newer is needed, this has none/],
  ])('%s cannot, and the reason says why', (_what, change, reason) => {
    expect(lockMismatch(target, { ...linux, ...change })).toMatch(reason);
  });
});

describe("each configured model's local Python", () => {
  test.each(config.models.map((m) => [m.name, m] as const))(
    '%s: holds exactly its lock where this machine can install it, and says what its container runs',
    async (_name, model) => {
      const lock = modelLock(model);
      const python = await modelPython(model);
      const mismatch = lockMismatch(lock.target, await interpreterOf());
      if (mismatch) {
        // Another platform: the tool venv, and a note saying why (never a silent substitute).
        expect(python).toMatchObject({ python: DEFAULT_PYTHON, ownLock: false });
        expect(python.note).toContain(mismatch);
        return;
      }
      expect(python.ownLock).toBe(true);
      expect(python.python).not.toBe(DEFAULT_PYTHON);
      const pins = lockedPackages(readFileSync(join(REPO_ROOT, lock.lock), 'utf8'));
      expect(await installed(python.python)).toEqual(
        Object.fromEntries(pins.map((p) => [normalize(p.name), p.version])),
      );
      expect(python.note).toContain(lock.lock);
      if (model.framework.name !== 'custom')
        expect(python.note).toMatch(/its container is .* \(Python 3\.\d+\)/);
      // Made once: asked again, the same environment.
      expect((await modelPython(model)).python).toBe(python.python);
    },
  );

  test('a model without a lock runs with the tool venv, and the note names the missing lock', async () => {
    const model = { ...config.models[0], name: 'nolock', code: 'scratch/a-model-without-a-lock' };
    const python = await modelPython(model);
    expect(python).toMatchObject({ python: DEFAULT_PYTHON, ownLock: false });
    expect(python.note).toMatch(
      /^nolock: runs with \.venv's packages .* it has no scratch\/a-model-without-a-lock\/requirements\.lock/,
    );
  });
});

describe("a model venv's creation lock (<venv>.creating, naming its process)", () => {
  // A lock with no packages: uv makes such a venv in well under a second.
  const lockText = '# no packages\n';
  const quick = { pollMs: 20, maxWaitMs: 1_000 };
  let dir: string;
  let venv: string;
  let lock: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlenv-venv-lock-'));
    venv = join(dir, 'a-model-0123456789abcdef');
    lock = `${venv}.creating`;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const ready = () => existsSync(join(venv, '.mlenv-ready')) && existsSync(join(venv, 'bin', 'python'));

  test('left by a process that has died (Ctrl-C), it is taken over at once', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lock, `${dead} ${hostname()} left-behind`);
    const started = Date.now();
    await ensureVenv(venv, lockText, 'test.lock', { pollMs: 20, maxWaitMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(ready()).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  test('held by a live process, it is waited on, never removed, and the error names it', async () => {
    const held = `${process.pid} ${hostname()} another-caller`;
    writeFileSync(lock, held);
    const error = await ensureVenv(venv, lockText, 'test.lock', quick).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(lock);
    expect((error as Error).message).toContain(`process ${process.pid} on ${hostname()}`);
    expect(readFileSync(lock, 'utf8')).toBe(held);
    expect(existsSync(venv)).toBe(false);
  });

  test('held by a live process that finishes the venv, the waiter uses it untouched', async () => {
    const held = `${process.pid} ${hostname()} another-caller`;
    writeFileSync(lock, held);
    const waiting = ensureVenv(venv, lockText, 'test.lock', { pollMs: 20, maxWaitMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await run(DEFAULT_PYTHON, ['-m', 'venv', '--without-pip', venv]);
    writeFileSync(join(venv, '.mlenv-ready'), 'made by the holder\n');
    await waiting;
    expect(readFileSync(join(venv, '.mlenv-ready'), 'utf8')).toBe('made by the holder\n');
    expect(readFileSync(lock, 'utf8')).toBe(held);
  });

  test('two callers at once both get the one ready venv, and the lock is released', async () => {
    await Promise.all([
      ensureVenv(venv, lockText, 'test.lock', { pollMs: 20, maxWaitMs: 60_000 }),
      ensureVenv(venv, lockText, 'test.lock', { pollMs: 20, maxWaitMs: 60_000 }),
    ]);
    expect(ready()).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  test.each(config.models.map((m) => [m.name, m] as const))(
    '%s: two modelPython calls at once return the same Python',
    async (_name, model) => {
      const [a, b] = await Promise.all([modelPython(model), modelPython(model)]);
      expect(b).toEqual(a);
    },
  );
});
