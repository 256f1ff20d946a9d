import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../../../config/repo-root';

/**
 * The git commit of the working tree (`-dirty` when it has uncommitted changes), or `unknown`
 * outside a git checkout. Recorded in the lineage of every model the pipelines register.
 */
export function gitCodeVersion(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const commit = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain').length > 0 ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}
