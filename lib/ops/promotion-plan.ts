import type { EnvironmentConfig, MlEnvConfig, ModelConfig } from '../../config';

/** What `mlenv promote` was asked to do, once the configuration says it may. */
export interface PromotionPlan {
  readonly model: ModelConfig;
  readonly from: EnvironmentConfig;
  readonly to: EnvironmentConfig;
}

/**
 * Checks a promotion of `model` from `fromName` to `toName` against the configuration: both are
 * environments of the promotion order and `to` is the one right after `from` (each registry is read
 * only by the next environment's promotion role, so nothing can be skipped). Throws one line a user
 * can act on.
 */
export function planPromotion(
  config: MlEnvConfig,
  modelName: string,
  fromName: string,
  toName: string,
): PromotionPlan {
  const model = config.models.find((m) => m.name === modelName);
  if (!model) {
    throw new Error(
      `no model named '${modelName}' in the configuration (models: ${config.models.map((m) => m.name).join(', ')})`,
    );
  }
  const order = config.promotion;
  const shown = order.join(' -> ');
  const environment = (name: string) => {
    const env = config.environments.find((e) => e.name === name);
    if (!env) {
      throw new Error(
        `no environment named '${name}' in the configuration (environments: ${config.environments.map((e) => e.name).join(', ')})`,
      );
    }
    if (!order.includes(name)) {
      throw new Error(
        `${name} is not in the promotion order (${shown}): models are not promoted from or to it`,
      );
    }
    return env;
  };
  const from = environment(fromName);
  const to = environment(toName);
  const [i, j] = [order.indexOf(fromName), order.indexOf(toName)];
  if (j <= i) {
    throw new Error(
      j === i
        ? `--from and --to are both ${fromName}: promote to the next environment (${order[i + 1] ?? 'none after it'})`
        : `models move ${shown}: ${toName} comes before ${fromName}, so nothing is promoted from ${fromName} to it`,
    );
  }
  const skipped = order.slice(i + 1, j);
  if (skipped.length > 0) {
    throw new Error(
      `promoting from ${fromName} to ${toName} skips ${skipped.join(', ')} (order ${shown}): ${fromName}'s registry is read only by ${order[i + 1]}'s promotion role; promote to ${skipped[0]} first`,
    );
  }
  return { model, from, to };
}
