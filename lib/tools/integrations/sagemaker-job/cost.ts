import { asObject } from '../../../../cfn/json-values';
import { DYNAMIC, valueAt } from '../../../../cfn/value-at';
import type { ListPrice, PriceTable } from '../../pricing/price-table';
import type { PricedTask } from '../../pricing/priced-task';
import { type JobApi, JOB_KINDS } from './job-kinds';

/** One SageMaker job a run starts, at its worst case: every instance until its time limit. */
export interface JobCost {
  /** The state that starts it (`Train`). */
  readonly state: string;
  readonly use: 'training' | 'processing';
  readonly instanceType?: string;
  readonly instanceCount?: number;
  readonly maxRuntimeSeconds?: number;
  /** Managed spot training (`EnableManagedSpotTraining`). */
  readonly spot: boolean;
  readonly price?: ListPrice;
  /** `instanceCount × maxRuntime h × price`. */
  readonly onDemandUsd?: number;
  /** The on-demand figure, less the assumed spot discount for a spot job. */
  readonly usd?: number;
  readonly missing?: string;
}

/**
 * One SageMaker job a state starts, at its worst case:
 * `InstanceCount × MaxRuntimeInSeconds / 3600 × instance-hour price`, less the assumed spot
 * discount for managed spot training. A job the table cannot price (a value set at run time, no
 * time limit, an unknown instance type) says why.
 */
export function sagemakerJobCost(
  { name: state, api, parameters, stateMachine, prices }: PricedTask,
  table: PriceTable,
): JobCost {
  const where = `${stateMachine.path} ${state}`;
  const { kind: use, instances } = JOB_KINDS[api as JobApi];
  const params = asObject(parameters) ?? {};
  const instanceType = valueAt(params, `${instances}.InstanceType`);
  const instanceCount = valueAt(params, `${instances}.InstanceCount`);
  const maxRuntime = valueAt(params, 'StoppingCondition.MaxRuntimeInSeconds');
  const spot = use === 'training' && valueAt(params, 'EnableManagedSpotTraining') === true;
  const base = { state, use, spot };
  const unreadable = [
    [instanceType, 'string', 'instance type'],
    [instanceCount, 'number', 'instance count'],
    [maxRuntime, 'number', 'time limit (StoppingCondition.MaxRuntimeInSeconds)'],
  ]
    .filter(([value, type]) => typeof value !== type)
    .map(([value, , what]) => (value === DYNAMIC ? `its ${what} is set at run time` : `it has no ${what}`));
  if (unreadable.length > 0) {
    return { ...base, missing: `${where}: ${unreadable.join(', ')}, so its worst case cannot be priced` };
  }
  const job = {
    ...base,
    instanceType: instanceType as string,
    instanceCount: instanceCount as number,
    maxRuntimeSeconds: maxRuntime as number,
  };
  const lookup = prices.sagemaker(use, job.instanceType);
  if ('missing' in lookup) return { ...job, missing: `${where}: ${lookup.missing}` };
  const onDemandUsd = job.instanceCount * (job.maxRuntimeSeconds / 3600) * lookup.price.usd;
  const discount = spot ? table.spotTrainingDiscount.fraction : 0;
  return { ...job, price: lookup.price, onDemandUsd, usd: onDemandUsd * (1 - discount) };
}
