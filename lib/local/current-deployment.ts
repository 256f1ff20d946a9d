import { existsSync } from 'node:fs';
import type { MlEnvConfig } from '../../config';
import { emulatorStatus, localStateDir } from './emulator';
import { deployedRecord } from './emulator-deploy';
import { localUp, type StepRunner } from './emulator-up';
import {
  type AppInputs,
  describeChanges,
  inputChanges,
  isGivenAssembly,
  readAppInputs,
  readDeployedInputs,
} from './deployed-inputs';
import { LocalDeployment } from './local-deployment';

/** Why what the emulator runs is not what the working tree would deploy, or undefined if it is. */
export function staleDeployReason(stateDir: string, now: AppInputs = readAppInputs()): string | undefined {
  const deployed = readDeployedInputs(stateDir);
  if (!deployed) return 'the last deploy recorded no inputs to compare with';
  if (isGivenAssembly(deployed)) {
    return `it deployed the assembly ${deployed.assembly} given to \`local up --assembly\`, not one built from this working tree`;
  }
  const changes = inputChanges(deployed, now);
  return changes && describeChanges(changes);
}

/** The one line a command refusing a stale deploy prints. */
export function staleDeployRefusal(command: string, reason: string, offerRedeploy = true): string {
  return `${command}: the emulator runs an older deploy (${reason}): run \`mlenv local up\`${offerRedeploy ? ', or add --redeploy' : ''}`;
}

export interface CurrentDeploymentOptions {
  /** The command, for its messages (`local train`). */
  readonly command: string;
  /** Redeploy a stale deploy (as `local up` does) instead of refusing it. */
  readonly redeploy?: boolean;
  /** Whether the command has --redeploy (the refusal offers it). @default true */
  readonly offerRedeploy?: boolean;
  readonly steps: StepRunner;
  /** Where a redeploy is announced (stdout; not with --json). */
  readonly say: (line: string) => void;
  /** @default localStateDir() */
  readonly stateDir?: string;
  /** @default platformConfig() */
  readonly config?: MlEnvConfig;
  /** How a stale deploy is redeployed. @default `localUp`, as `mlenv local up` deploys */
  readonly deploy?: () => Promise<unknown>;
}

/**
 * The local deployment, when it is what the working tree deploys: a command that runs the
 * deployed pipeline, endpoint or monitor on an older deploy would run old definitions and code
 * and record them as new. A stale deploy is refused with the command to run, or redeployed with
 * `--redeploy` (the deploy of `local up`). Without a running emulator or a deploy, connecting
 * says what to start.
 */
export async function connectCurrentDeployment(options: CurrentDeploymentOptions): Promise<LocalDeployment> {
  const stateDir = options.stateDir ?? localStateDir();
  const status = await emulatorStatus({ stateDir });
  if (status.running && existsSync(deployedRecord(stateDir))) {
    const reason = staleDeployReason(stateDir);
    if (reason && !options.redeploy)
      throw new Error(staleDeployRefusal(options.command, reason, options.offerRedeploy));
    if (reason) {
      options.say(`${options.command}: redeploying first, as \`mlenv local up\` does (${reason})`);
      await (options.deploy ?? (() => localUp({ stateDir, config: options.config, steps: options.steps })))();
    }
  }
  return LocalDeployment.connect({ stateDir, config: options.config });
}
