import type { DeploymentPin } from '../../config';
import { deployStage } from './emulator-deploy';
import type { StepRunner } from './emulator-up';
import { LocalDeployment } from './local-deployment';
import { localPinsContext, readLocalPins, writeLocalPins } from './local-pins';
import type { ServablePackage } from './local-serve-package';

/** What serving `pkg` as `model` needs deployed. */
export interface PinAndDeployOptions {
  /** Construct paths that must exist once deployed (what serves it): missing ones redeploy. */
  readonly servedPaths: readonly string[];
  /** A shadow candidate kept in the pin (set by hand in the local pins). @default - none */
  readonly shadow?: DeploymentPin['shadow'];
  readonly steps: StepRunner;
}

/**
 * Pins `pkg` as `model` in the local pins and deploys `Local/*` again when the pin changed or what
 * is deployed lacks one of `servedPaths` (after `up --assembly`); a failed deploy puts the
 * previous pins back. What `mlenv local serve` does before serving, for every serving mode.
 */
export async function pinAndDeploy(
  initial: LocalDeployment,
  model: string,
  pkg: ServablePackage,
  options: PinAndDeployOptions,
): Promise<{ deployment: LocalDeployment; redeployed: boolean }> {
  const { stateDir, env, port } = initial;
  const { steps, shadow } = options;
  const pins = readLocalPins(stateDir);
  const redeployed =
    pins[model]?.modelPackageArn !== pkg.arn ||
    options.servedPaths.some((path) => !initial.tryResource(path));
  if (!redeployed) return { deployment: initial, redeployed };
  const previous = JSON.parse(JSON.stringify(pins)) as typeof pins;
  writeLocalPins(stateDir, {
    ...pins,
    [model]: {
      ...(shadow ? { shadow } : {}),
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
  return { deployment: await LocalDeployment.connect({ stateDir, config: initial.config }), redeployed };
}
