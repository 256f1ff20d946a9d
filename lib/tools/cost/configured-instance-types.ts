import { effectiveTraining, type EnvironmentConfig } from '../../../config';
import { RegionPriceList, type PriceTable, type SageMakerUse } from '../pricing/price-table';

/** The instance type a field gives a model, and the field that set it (`training.models.churn.instanceType`). */
export interface ConfiguredInstanceType {
  readonly field: string;
  readonly instanceType: string;
}

/**
 * The configuration fields that choose a SageMaker instance type, and the use each is billed as:
 * lib/platform/stacks/model-stack.ts gives every model's processing jobs and (instance) endpoint
 * the environment's value, and its training job the model's effective one (`effectiveTraining`:
 * its override in `training.models.<model>`, else the environment's). A serverless environment's
 * `serving.instanceType` runs nothing.
 */
export const INSTANCE_TYPE_FIELDS: ReadonlyArray<{
  /** The environment's field. */
  readonly field: string;
  readonly use: SageMakerUse;
  readonly of: (env: EnvironmentConfig, model: string) => ConfiguredInstanceType | undefined;
}> = [
  {
    field: 'training.instanceType',
    use: 'training',
    of: (env, model) => {
      const compute = effectiveTraining(env, model);
      return { field: compute.source.instanceType.join('.'), instanceType: compute.instanceType };
    },
  },
  {
    field: 'training.processingInstanceType',
    use: 'processing',
    of: (env) => ({
      field: 'training.processingInstanceType',
      instanceType: env.training.processingInstanceType,
    }),
  },
  {
    field: 'serving.instanceType',
    use: 'real-time inference',
    of: (env) =>
      env.serving.kind === 'instance'
        ? { field: 'serving.instanceType', instanceType: env.serving.instanceType }
        : undefined,
  },
];

/** A configured instance type the table has no price for, for one use in one environment. */
export interface UnpricedInstanceType {
  readonly environment: string;
  readonly region: string;
  readonly models: readonly string[];
  readonly field: string;
  readonly instanceType: string;
  /** The price list's own sentence (what the estimate's lines say of each job or endpoint). */
  readonly missing: string;
  /** One line naming environment, models, field, instance type and region, and where to add the price. */
  readonly line: string;
}

/**
 * The instance types an environment's configuration chooses that the table cannot price, each
 * once per field that set it (a model's override is its own field), naming the models it is
 * theirs. An environment in a region the table lacks is left out: its own sentence ("no prices
 * for region ...") already says that nothing there is priced.
 */
export function unpricedInstanceTypes(
  models: ReadonlyArray<{ readonly name: string }>,
  env: EnvironmentConfig,
  table: PriceTable,
): UnpricedInstanceType[] {
  if (!table.regions[env.region]) return [];
  const prices = new RegionPriceList(table, env.region);
  const chosen = new Map<
    string,
    { use: SageMakerUse; field: string; instanceType: string; models: string[] }
  >();
  for (const { use, of } of INSTANCE_TYPE_FIELDS) {
    for (const model of models.length > 0 ? models.map((m) => m.name) : [undefined]) {
      const configured = of(env, model ?? '');
      if (configured === undefined) continue;
      const key = `${configured.field} ${configured.instanceType}`;
      const entry = chosen.get(key) ?? { use, ...configured, models: [] };
      if (model !== undefined) entry.models.push(model);
      chosen.set(key, entry);
    }
  }
  return [...chosen.values()].flatMap(({ use, field, instanceType, models: names }) => {
    const lookup = prices.sagemaker(use, instanceType);
    if (!('missing' in lookup)) return [];
    return [
      {
        environment: env.name,
        region: env.region,
        models: names,
        field,
        instanceType,
        missing: lookup.missing,
        line: `environment ${env.name}, ${names.length === 1 ? 'model' : 'models'} ${names.join(', ') || 'none'}, ${field} ${instanceType}: ${lookup.missing}`,
      },
    ];
  });
}
