import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../../config/repo-root';
import { binaryArguments, PYTHON_LOCKS } from '../locks/python-locks';

/**
 * pip's install options for the lock `lockFile` of a build's source directory: the ones
 * lib/platform/locks/python-locks.ts compiled it with. A build installs only a declared lock (one that
 * `npm run lock` keeps current): any other throws, naming where to declare it.
 */
export function buildLockInstallOptions(sourceDirectory: string, lockFile: string): string[] {
  const path = relative(REPO_ROOT, join(sourceDirectory, lockFile));
  const lock = PYTHON_LOCKS.find((l) => l.lock === path);
  if (!lock) {
    throw new Error(
      `${path} is not a lock of lib/platform/locks/python-locks.ts (PYTHON_LOCKS): a build installs only a declared, ` +
        'hashed lock; declare it there and run `npm run lock`',
    );
  }
  return binaryArguments(lock);
}
