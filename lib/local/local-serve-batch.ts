import { SILENT_STEPS } from './emulator-up';
import type { LocalDeployment } from './local-deployment';
import type { LocalServeOptions } from './local-serve';
import { findServablePackage, type ServablePackage } from './local-serve-package';
import { pinAndDeploy } from './pin-and-deploy';
import { ModelStack } from '../platform/stacks/model-stack';

/** What `mlenv local serve` did for a batch-served model. */
export interface LocalBatchServeResult {
  readonly deployment: LocalDeployment;
  readonly package: ServablePackage;
  readonly redeployed: boolean;
  /** The deployed batch transform's state machine (`mlenv batch run local --model <m>` runs it). */
  readonly stateMachineArn: string;
}

/**
 * `mlenv local serve` of a model served in batch (`serving.mode: batch`): pins its newest approved
 * package and deploys `Local/*`, which creates its batch transform (the model and the state
 * machine) instead of an endpoint; nothing is served until a batch is run.
 */
export async function localServeBatch(
  initial: LocalDeployment,
  options: LocalServeOptions,
): Promise<LocalBatchServeResult> {
  const steps = options.steps ?? SILENT_STEPS;
  const model = initial.model(options.model).name;
  const pkg = await findServablePackage(initial, model, steps);
  const path = ModelStack.pathOf(model, 'Batch/StateMachine');
  const { deployment, redeployed } = await pinAndDeploy(initial, model, pkg, { servedPaths: [path], steps });
  const stateMachineArn = deployment.ref(deployment.resource(path));
  steps.detail(
    `${model} is served in batch by ${stateMachineArn}: npx mlenv batch run local --model ${model} --input <dir>`,
  );
  return { deployment, package: pkg, redeployed, stateMachineArn };
}
