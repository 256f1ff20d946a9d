import { join } from 'node:path';

/**
 * The repository root (where `cdk.json` lives), for the platform, its tools and commands that read
 * or write the repository's files. It lives in config/, the lowest layer not published with the
 * library, so that any folder of lib/ may import it without importing the app.
 */
export const REPO_ROOT = join(__dirname, '..');

/** The groups of lib/ whose folders are each an area of their own (`lib/platform/stacks`). */
const LIB_GROUPS = ['lib/platform/', 'lib/tools/'];

/**
 * The area of lib/ a repository path is in: a folder of a group (`lib/platform/stacks`), else a
 * folder of lib/ (`lib/ops`, its subfolders included), else the file directly in lib/
 * (`lib/main.ts`); undefined outside lib/.
 */
export function libAreaOf(path: string): string | undefined {
  if (!path.startsWith('lib/')) return undefined;
  const depth = LIB_GROUPS.some((group) => path.startsWith(group)) ? 3 : 2;
  const parts = path.split('/');
  return parts.length > depth ? parts.slice(0, depth).join('/') : path;
}
