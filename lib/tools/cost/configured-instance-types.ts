import type { EnvironmentConfig } from '../../../config';
import { RegionPriceList, type PriceTable, type SageMakerUse } from '../pricing/price-table';

/**
 * The configuration fields that choose a SageMaker instance type, and the use each is billed as:
 * lib/platform/stacks/model-stack.ts gives every model's training job, processing jobs and (instance)
 * endpoint the environment's value. A serverless environment's `serving.instanceType` runs nothing.
 */
export const INSTANCE_TYPE_FIELDS: ReadonlyArray<{
  readonly field: string;
  readonly use: SageMakerUse;
  readonly of: (env: EnvironmentConfig) => string | undefined;
}> = [
  { field: 'training.instanceType', use: 'training', of: (env) => env.training.instanceType },
  {
    field: 'training.processingInstanceType',
    use: 'processing',
    of: (env) => env.training.processingInstanceType,
  },
  {
    field: 'serving.instanceType',
    use: 'real-time inference',
    of: (env) => (env.serving.kind === 'instance' ? env.serving.instanceType : undefined),
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
 * once per field. An environment in a region the table lacks is left out: its own sentence
 * ("no prices for region ...") already says that nothing there is priced.
 */
export function unpricedInstanceTypes(
  models: ReadonlyArray<{ readonly name: string }>,
  env: EnvironmentConfig,
  table: PriceTable,
): UnpricedInstanceType[] {
  if (!table.regions[env.region]) return [];
  const prices = new RegionPriceList(table, env.region);
  const names = models.map((m) => m.name);
  return INSTANCE_TYPE_FIELDS.flatMap(({ field, use, of }) => {
    const instanceType = of(env);
    if (instanceType === undefined) return [];
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
