import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';

/** The `mlenv` command as `npx mlenv` runs it (package.json "bin"), without npx: file and arguments. */
export function mlenvCommand(...args: string[]): [string, string[]] {
  return [process.execPath, [join(REPO_ROOT, 'bin', 'mlenv.js'), ...args]];
}
