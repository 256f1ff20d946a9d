import { type LocalDriftResult, localDrift } from './local-drift';
import { degradedLabels, type LocalQualityResult, localQuality, pushLocalLabels } from './local-quality';
import { LocalDeployment } from './local-deployment';
import { localServe } from './local-serve';
import { DEFAULT_SHIFT, type LocalSmokeResult, localSmoke } from './local-smoke';
import { type LocalTrainResult, localTrain } from './local-train';
import { localUp, type StepRunner } from './emulator-up';
import type { MlEnvConfig } from '../../config';
import { failureCause } from '../ops/training-runs';

export interface LifecycleOptions {
  readonly stateDir: string;
  readonly config: MlEnvConfig;
  /** The model whose lifecycle runs. @default the first model of the configuration */
  readonly model?: string;
  /** A cloud assembly synthesized already (deployed as it is by `local up`). */
  readonly assemblyDir?: string;
  readonly steps: StepRunner;
}

/** What the lifecycle did, part by part, with how long each part took. */
export interface LifecycleResult {
  readonly model: string;
  readonly train: LocalTrainResult;
  readonly smoke: LocalSmokeResult;
  readonly drift: LocalDriftResult;
  /**
   * The model-quality check of the smoke test's requests against labels that make the served model
   * look degraded (the opposite of its predictions): it breaks the gate, and the deployed rule asks
   * for retraining (recorded, not run: the drift check retrains on the same dataset right after).
   */
  readonly quality: LocalQualityResult;
  /** The package the endpoint served. */
  readonly served: string;
  /** Seconds per part: up, train, serve, smoke, drift (with the retraining it started). */
  readonly seconds: Readonly<Record<string, number>>;
  /** Calls checked against the deployed policies, over the whole run. */
  readonly checked: LocalDeployment['checked'];
}

/**
 * The whole model lifecycle in the local environment: deploy `Local/*` into the emulator, train
 * on the sample dataset, serve the registered package, send it sample rows, send it shifted rows,
 * check drift (which, where the environment retrains on drift, retrains). Stopping what it
 * started, when it ends, fails or is interrupted, is the caller's part (`localDown`).
 */
export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleResult> {
  const { stateDir, config, steps } = options;
  const model = options.model ?? config.models[0].name;
  const seconds: Record<string, number> = {};
  const timed = async <T>(part: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      seconds[part] = (Date.now() - started) / 1000;
    }
  };
  await timed('up', () => localUp({ stateDir, config, assemblyDir: options.assemblyDir, steps }));
  const initial = await LocalDeployment.connect({ stateDir, config });
  let deployment = initial;
  const train = await timed('train', () => localTrain(deployment, { model, steps }));
  if (train.status !== 'SUCCEEDED' || !train.modelPackageArn) {
    const failure = failureCause(train.error, train.cause);
    throw new Error(
      `training ${model} did not register a package: ${failure.line}${failure.log ? ` (full log: ${failure.log})` : ''}`,
    );
  }
  const served = await timed('serve', () => localServe(deployment, { model, steps }));
  deployment = served.deployment;
  const smoke = await timed('smoke', () =>
    steps.step(`smoke ${model}: sample rows, then rows times ${DEFAULT_SHIFT}`, async () => {
      const plain = await localSmoke(deployment, { model });
      const shifted = await localSmoke(deployment, { model, shift: DEFAULT_SHIFT });
      const failures = [...plain.failures, ...shifted.failures];
      if (failures.length > 0) throw new Error(`the smoke test failed:\n  ${failures.join('\n  ')}`);
      steps.detail(
        `${plain.sent + shifted.sent} requests answered, median ${plain.medianLatencyMs.toFixed(1)} ms`,
      );
      return plain;
    }),
  );
  const quality = await timed('quality', async () => {
    const config = deployment.model(model);
    const pushed = await steps.step(
      `push labels of ${model}'s smoke requests (the opposite of its predictions)`,
      () => pushLocalLabels(deployment, model, degradedLabels(config.problemType, smoke.inferences)),
    );
    steps.detail(`${pushed.labels} label(s) -> ${pushed.s3Uri}`);
    return localQuality(deployment, { model, steps, retraining: 'record' });
  });
  const drift = await timed('drift', () => localDrift(deployment, { model, steps }));
  const checked = deployment === initial ? initial.checked : [...initial.checked, ...deployment.checked];
  return { model, train, smoke, drift, quality, served: served.package.arn, seconds, checked };
}
