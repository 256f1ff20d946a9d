import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../config/repo-root';
import { forgetDeployedInputs, readAppInputs, recordDeployedInputs } from './deployed-inputs';
import { emulatorProcessEnv } from './emulator-env';

/** Where a deploy into the emulator happens, and as whom. */
export interface EmulatorTarget {
  readonly port: number;
  readonly account: string;
  readonly region: string;
  /** The local state directory: the cloud assembly and the CLI's logs go there. */
  readonly stateDir: string;
}

/** The CDK CLI of the project (the same one that deploys the real environments). */
const CDK_CLI = join(REPO_ROOT, 'node_modules', '.bin', 'cdk');

/** Where `cdk deploy` writes the cloud assembly it synthesizes (not `cdk.out`: tests read that one). */
const synthesizedAssemblyDir = (stateDir: string) => join(stateDir, 'cdk.out');
/** Which assembly the last deploy deployed. */
export const deployedRecord = (stateDir: string) => join(stateDir, 'deployed-assembly');

/** The cloud assembly the last deploy into the emulator deployed. */
export function deployedAssemblyDir(stateDir: string): string {
  const record = deployedRecord(stateDir);
  return existsSync(record) ? readFileSync(record, 'utf8').trim() : synthesizedAssemblyDir(stateDir);
}

/**
 * Bootstraps the emulator's account and region with the real CDK CLI (run outside the project, so
 * it does not synthesize the app).
 */
export function bootstrapEmulator(target: EmulatorTarget, onLine?: (line: string) => void): Promise<void> {
  return runCdk(
    ['bootstrap', `aws://${target.account}/${target.region}`],
    target,
    target.stateDir,
    'bootstrap.log',
    onLine,
  );
}

/**
 * Deploys the stage's stacks (`<stageId>/*`) into the emulator with the real CDK CLI: the app of
 * cdk.json, or a cloud assembly synthesized before (`assemblyDir`: deployed as it is, without
 * synthesizing again). Direct deployments: moto's change sets record no stack outputs.
 */
export async function deployStage(
  stageId: string,
  target: EmulatorTarget,
  options: {
    readonly assemblyDir?: string;
    /** CDK context for the synthesis (`-c key=value`); not with `assemblyDir`. */
    readonly context?: Readonly<Record<string, string>>;
    readonly onLine?: (line: string) => void;
  } = {},
): Promise<void> {
  const assembly = options.assemblyDir
    ? resolve(options.assemblyDir)
    : synthesizedAssemblyDir(target.stateDir);
  const context = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const source = options.assemblyDir ? ['--app', assembly] : ['--output', assembly, ...context];
  rmSync(deployedRecord(target.stateDir), { force: true });
  forgetDeployedInputs(target.stateDir);
  // Read before the synthesis reads them: an edit made while it runs is not in this deploy. A
  // given assembly was synthesized from who knows what: the working tree's inputs would be a
  // guess, so the record says which assembly it was (a later train or serve refuses it).
  const inputs = options.assemblyDir ? { assembly } : readAppInputs();
  await runCdk(
    [
      'deploy',
      `${stageId}/*`,
      '--require-approval',
      'never',
      '--method=direct',
      '--progress',
      'events',
      ...source,
    ],
    target,
    REPO_ROOT,
    'deploy.log',
    options.onLine,
  );
  writeFileSync(deployedRecord(target.stateDir), assembly + '\n');
  recordDeployedInputs(target.stateDir, inputs);
}

function runCdk(
  args: string[],
  target: EmulatorTarget,
  cwd: string,
  logName: string,
  onLine?: (line: string) => void,
): Promise<void> {
  mkdirSync(target.stateDir, { recursive: true });
  const logPath = join(target.stateDir, logName);
  const log = createWriteStream(logPath);
  const recent: string[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(CDK_CLI, [...args, '--no-notices', '--ci'], {
      cwd,
      env: emulatorProcessEnv(target.port, target.region, target.stateDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(line + '\n');
        recent.push(line);
        if (recent.length > 30) recent.shift();
        onLine?.(line);
      });
    }
    child.on('error', reject);
    child.on('close', (code) => {
      log.end();
      if (code === 0) resolve();
      else
        reject(
          new Error(`cdk ${args[0]} failed (exit ${code}); full output in ${logPath}:\n${recent.join('\n')}`),
        );
    });
  });
}
