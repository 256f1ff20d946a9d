import { TrainingDistribution } from '../constructs/training/training-distribution';

/** The compute knobs a model may override per environment (`training.models.<model>`). */
export const MODEL_COMPUTE_FIELDS = [
  'instanceType',
  'instanceCount',
  'volumeSizeGb',
  'maxRuntimeMinutes',
  'spot.enabled',
  'spot.maxWaitMinutes',
] as const;
/** One of them, as a dotted path under `training` (`spot.maxWaitMinutes`). */
export type ModelComputeField = (typeof MODEL_COMPUTE_FIELDS)[number];

/** An environment's compute knobs of training (`training` in schema.ts, which this module does not import). */
export interface TrainingCompute {
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeGb: number;
  readonly maxRuntimeMinutes: number;
  readonly spot: { readonly enabled: boolean; readonly maxWaitMinutes: number };
}
/** One model's compute where it differs from the environment's (`training.models.<model>`). */
export type TrainingComputeOverride = Partial<Omit<TrainingCompute, 'spot'>> & {
  readonly spot?: Partial<TrainingCompute['spot']>;
};

/** A model's training compute in one environment: the environment's knobs with the model's overrides. */
export interface EffectiveTraining extends TrainingCompute {
  /**
   * Where each value was set, as a path under the environment: the override's
   * (`['training', 'models', 'churn', 'instanceType']`) or the environment's
   * (`['training', 'instanceType']`).
   */
  readonly source: Readonly<Record<ModelComputeField, readonly string[]>>;
}

/**
 * The training compute of model `modelName` in environment `env`: each field of
 * `env.training.models[modelName]` that is set, else the environment's own. Every reader of a
 * model's training instance type, count, volume, runtime or spot goes through this function.
 */
export function effectiveTraining(
  env: {
    readonly training: TrainingCompute & {
      readonly models?: Readonly<Record<string, TrainingComputeOverride>>;
    };
  },
  modelName: string,
): EffectiveTraining {
  const { training } = env;
  const models = training.models ?? {};
  const override: TrainingComputeOverride = Object.hasOwn(models, modelName) ? models[modelName] : {};
  const pick = <T>(field: ModelComputeField, own: T | undefined, fallback: T): [T, readonly string[]] => {
    const path = field.split('.');
    return own === undefined
      ? [fallback, ['training', ...path]]
      : [own, ['training', 'models', modelName, ...path]];
  };
  const [instanceType, instanceTypeAt] = pick('instanceType', override.instanceType, training.instanceType);
  const [instanceCount, instanceCountAt] = pick(
    'instanceCount',
    override.instanceCount,
    training.instanceCount,
  );
  const [volumeSizeGb, volumeAt] = pick('volumeSizeGb', override.volumeSizeGb, training.volumeSizeGb);
  const [maxRuntimeMinutes, runtimeAt] = pick(
    'maxRuntimeMinutes',
    override.maxRuntimeMinutes,
    training.maxRuntimeMinutes,
  );
  const [enabled, enabledAt] = pick('spot.enabled', override.spot?.enabled, training.spot.enabled);
  const [maxWaitMinutes, waitAt] = pick(
    'spot.maxWaitMinutes',
    override.spot?.maxWaitMinutes,
    training.spot.maxWaitMinutes,
  );
  return {
    instanceType,
    instanceCount,
    volumeSizeGb,
    maxRuntimeMinutes,
    spot: { enabled, maxWaitMinutes },
    source: {
      instanceType: instanceTypeAt,
      instanceCount: instanceCountAt,
      volumeSizeGb: volumeAt,
      maxRuntimeMinutes: runtimeAt,
      'spot.enabled': enabledAt,
      'spot.maxWaitMinutes': waitAt,
    },
  };
}

/**
 * How a model's `train.py` uses several instances: its `distribution`, or `custom` for a custom
 * image still declared with the deprecated `framework.distributed: true`.
 */
export function modelDistribution(model: {
  readonly distribution: TrainingDistribution;
  readonly framework: { readonly name: string; readonly distributed?: boolean };
}): TrainingDistribution {
  const { framework } = model;
  if (
    model.distribution === TrainingDistribution.NONE &&
    framework.name === 'custom' &&
    framework.distributed
  ) {
    return TrainingDistribution.CUSTOM;
  }
  return model.distribution;
}
