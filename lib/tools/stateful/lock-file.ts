import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../config/repo-root';
import type { StatefulLock } from './lock';

/** The checked-in lock of every environment's stateful resources: logical id, type, physical name. */
export const LOCK_FILE = join(REPO_ROOT, 'stateful-resources.lock.json');

/**
 * The lock as committed. A lock of an older format (types only) is refused with how to rewrite it,
 * rather than read as if every name had been removed.
 */
export function readLock(file: string = LOCK_FILE): StatefulLock {
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [stack, resources] of Object.entries(lock)) {
    for (const [id, resource] of Object.entries(resources)) {
      if (typeof (resource as { type?: unknown } | null)?.type !== 'string') {
        throw new Error(
          `${file}: ${stack}/${id} is not { "type": ..., "name"?: ... } (a lock of an older format?). ` +
            'Check that no stateful resource changed, then run `npm run stateful-lock -- --update` and commit the lock.',
        );
      }
    }
  }
  return lock as StatefulLock;
}
