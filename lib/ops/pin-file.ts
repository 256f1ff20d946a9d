import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { type DeploymentPin, deploymentPinSchema } from '../../config';

/** Runs git in `cwd` with `args` and returns its output (a test may answer instead). */
export type Git = (args: readonly string[], cwd: string) => string;

const runGit: Git = (args, cwd) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Refuses to change a pin file that has uncommitted changes (or is not tracked by git): a
 * promotion's pin must be a commit of its own, on top of what the environment serves now.
 */
export function assertPinFileCommitted(file: string, git: Git = runGit): void {
  const dir = dirname(file);
  let status: string;
  try {
    const root = git(['rev-parse', '--show-toplevel'], dir).trim();
    status = git(['status', '--porcelain', '--', relative(root, file)], root);
  } catch (error) {
    throw new Error(
      `cannot tell whether ${basename(dir)}/${basename(file)} has uncommitted changes (${firstLine(error)}): pins live in git; run mlenv promote in the project's clone`,
      { cause: error },
    );
  }
  if (status.trim() !== '') {
    throw new Error(
      `${basename(dir)}/${basename(file)} has uncommitted changes: commit or revert them first, so that the promotion's pin is a change of its own`,
    );
  }
}

/**
 * Sets `model`'s pin in the pins file `file` (`deployments/<env>.json`), keeping the other
 * models' pins; the file is replaced whole (written beside it, then renamed), never half-written.
 * A shadow candidate the previous pin had (a person sets one by hand) is kept, unless `pin` has its
 * own or now serves that very candidate. Returns whether anything changed.
 */
export function writePin(file: string, model: string, pin: DeploymentPin): boolean {
  const pins: Record<string, unknown> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const previous = pins[model] as Partial<DeploymentPin> | undefined;
  const keptShadow =
    !pin.shadow && previous?.shadow && previous.shadow.modelPackageArn !== pin.modelPackageArn
      ? { shadow: previous.shadow }
      : {};
  const validated = deploymentPinSchema.parse({ ...pin, ...keptShadow });
  // The same package with the same baseline again: leave who pinned it when as it was.
  const same = (p?: Partial<DeploymentPin>) =>
    JSON.stringify([
      p?.modelPackageArn,
      p?.dataQualityBaseline?.statisticsS3Uri,
      p?.dataQualityBaseline?.constraintsS3Uri,
      p?.shadow?.modelPackageArn,
    ]);
  if (previous && same(previous) === same(validated)) return false;
  pins[model] = validated;
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(pins, null, 2)}\n`);
  renameSync(temporary, file);
  return true;
}

function firstLine(error: unknown): string {
  const text = String((error as { stderr?: unknown }).stderr ?? (error as Error).message ?? error);
  return text.trim().split('\n')[0];
}
