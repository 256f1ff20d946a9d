import { deployStage } from './emulator-deploy';
import { SILENT_STEPS, type StepRunner } from './emulator-up';
import { LocalDeployment } from './local-deployment';
import { localPinsContext, readLocalPins, writeLocalPins } from './local-pins';
import { type LocalServeOptions, newestApprovedPackage, type ServablePackage } from './local-serve';
import { ModelStack } from '../platform/stacks/model-stack';

/**
 * Pins `pkg` as `model` in the local pins and deploys `Local/*` again when the pin changed or what
 * is deployed lacks `servedPath` (the batch state machine); a failed deploy puts the previous pins
 * back. The same steps as `localServe`'s for an endpoint (kept apart from it while its shadow
 * handling changes; one helper for both once merged).
 */
async function pinAndDeploy(
  initial: LocalDeployment,
  model: string,
  pkg: ServablePackage,
  servedPath: string,
  steps: StepRunner,
): Promise<{ deployment: LocalDeployment; redeployed: boolean }> {
  const { stateDir, env, port } = initial;
  const pins = readLocalPins(stateDir);
  let deployment = initial;
  // Deploy when the pin changes, or when what is deployed lacks what serves it (`up --assembly`).
  const redeployed = pins[model]?.modelPackageArn !== pkg.arn || !initial.tryResource(servedPath);
  if (redeployed) {
    const previous = JSON.parse(JSON.stringify(pins)) as typeof pins;
    writeLocalPins(stateDir, {
      ...pins,
      [model]: {
        modelPackageArn: pkg.arn,
        approvedBy: 'mlenv local serve',
        approvedAt: new Date().toISOString(),
        source: `the newest approved package of ${model} in the local registry`,
        artifactFilesSha256: pkg.artifactFilesSha256,
        ...(pkg.baseline ? { dataQualityBaseline: pkg.baseline } : {}),
      },
    });
    try {
      await steps.step(`cdk deploy '${env.stageId}/*' serving ${model} version ${pkg.version}`, () =>
        deployStage(
          env.stageId,
          { port, account: env.account, region: env.region, stateDir },
          {
            context: localPinsContext(stateDir),
            onLine: (line) => {
              if (/^\s*(✅|❌)/u.test(line) && !line.includes('(no changes)')) steps.detail(line.trim());
            },
          },
        ),
      );
    } catch (error) {
      writeLocalPins(stateDir, previous);
      throw error;
    }
    deployment = await LocalDeployment.connect({ stateDir, config: initial.config });
  }

  return { deployment, redeployed };
}

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
  const pkg = await steps.step(`find the newest approved package of ${model}`, async () => {
    const found = await newestApprovedPackage(initial, model);
    if (!found) {
      throw new Error(
        `no approved model package of ${model} in the local registry: train one with \`mlenv local train --model ${model}\``,
      );
    }
    steps.detail(found.arn);
    return found;
  });
  const path = ModelStack.pathOf(model, 'Batch/StateMachine');
  const { deployment, redeployed } = await pinAndDeploy(initial, model, pkg, path, steps);
  const stateMachineArn = deployment.ref(deployment.resource(path));
  steps.detail(
    `${model} is served in batch by ${stateMachineArn}: npx mlenv batch run local --model ${model} --input <dir>`,
  );
  return { deployment, package: pkg, redeployed, stateMachineArn };
}
