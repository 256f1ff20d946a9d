import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directPins, inputFiles, lockProblems, parseLock } from '../../lib/platform/locks/lock-file';
import { REPO_ROOT } from '../../config/repo-root';
import { PYTHON_LOCKS } from '../../lib/platform/locks/python-locks';

const trackedFiles = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');

/** A copy of the repository's lock inputs and locks, to edit without touching the checkout. */
function copyOfLocks(): string {
  const root = mkdtempSync(join(tmpdir(), 'mlenv-locks-'));
  for (const lock of PYTHON_LOCKS) {
    for (const file of [lock.lock, ...inputFiles(lock.input)])
      cpSync(join(REPO_ROOT, file), join(root, file));
  }
  return root;
}

describe('Python locks', () => {
  test.each(PYTHON_LOCKS.map((lock) => [lock.lock, lock]))(
    '%s was compiled from its inputs as they are, and pins every exact requirement they name',
    (_name, lock) => {
      expect(lockProblems(lock)).toEqual([]);
    },
  );

  test.each(PYTHON_LOCKS.map((lock) => [lock.lock, lock]))(
    '%s pins every package with == and at least one sha256 hash',
    (_name, lock) => {
      const packages = parseLock(readFileSync(join(REPO_ROOT, lock.lock), 'utf8'), lock.lock);
      // More packages than the input names: the transitive ones are locked too.
      expect(packages.length).toBeGreaterThan(directPins(lock).length);
      for (const p of packages) expect(p.hashes.every((h) => /^sha256:[0-9a-f]{64}$/.test(h))).toBe(true);
    },
  );

  test('every requirements file of the repository is the input of a lock or included by one', () => {
    const inputs = new Set(PYTHON_LOCKS.flatMap((lock) => inputFiles(lock.input)));
    const requirementFiles = trackedFiles.filter((f) => /(^|\/)requirements[^/]*\.txt$/.test(f));
    expect(requirementFiles.filter((f) => !inputs.has(f))).toEqual([]);
  });

  test('every lock file of the repository is declared (none is left behind unchecked)', () => {
    const declared = new Set(PYTHON_LOCKS.map((lock) => lock.lock));
    expect(trackedFiles.filter((f) => /(^|\/)requirements[^/]*\.lock$/.test(f) && !declared.has(f))).toEqual(
      [],
    );
  });

  describe('a lock that no longer matches its inputs is found', () => {
    const lock = PYTHON_LOCKS.find((l) => inputFiles(l.input).length > 1) ?? PYTHON_LOCKS[0];
    let root: string;
    beforeEach(() => {
      root = copyOfLocks();
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    test('an included requirements file edited without `npm run lock`', () => {
      const included = inputFiles(lock.input).at(-1) as string;
      writeFileSync(join(root, included), `${readFileSync(join(root, included), 'utf8')}\nsix==1.16.0\n`);
      expect(lockProblems(lock, root)).toEqual([expect.stringContaining(`${lock.lock} is stale`)]);
    });

    test('a lock missing', () => {
      rmSync(join(root, lock.lock));
      expect(lockProblems(lock, root)).toEqual([expect.stringContaining('is missing')]);
    });

    test('a hash removed by hand', () => {
      const path = join(root, lock.lock);
      const text = readFileSync(path, 'utf8');
      // The first requirement loses its hashes: the line is still a pin, but unchecked.
      writeFileSync(path, text.replace(/(==[^\s\\]+) \\\n(\s+--hash=\S+ \\\n)*\s+--hash=\S+/, '$1'));
      expect(lockProblems(lock, root).join('\n')).toMatch(/has no --hash/);
    });
  });

  test('a requirement that is not an exact pin is refused by the parser, naming it', () => {
    expect(() => parseLock('requests>=2 \\\n    --hash=sha256:' + 'a'.repeat(64), 'x.lock')).toThrow(
      'x.lock: not an exact pin with hashes: requests>=2',
    );
    expect(() => parseLock('requests==2.0.0 --hash=md5:abc', 'x.lock')).toThrow('not sha256');
  });
});
