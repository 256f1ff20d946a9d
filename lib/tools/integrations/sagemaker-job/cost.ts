import { asObject } from '../../../../cfn/json-values';
import { DYNAMIC, valueAt } from '../../../../cfn/value-at';
import type { ListPrice, PriceTable } from '../../pricing/price-table';
import type { PricedTask } from '../../pricing/priced-task';

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

/** Where each kind of job keeps its instances, and its time limit. */
const JOB_SHAPES = {
  'sagemaker:createTrainingJob': { use: 'training', resources: 'ResourceConfig' },
  'sagemaker:createProcessingJob': { use: 'processing', resources: 'ProcessingResources.ClusterConfig' },
} as const;

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
  const shape = JOB_SHAPES[api as keyof typeof JOB_SHAPES];
  if (!shape) {
    return { state, use: 'processing', spot: false, missing: `${where}: ${api} jobs are not estimated` };
  }
  const params = asObject(parameters) ?? {};
  const instanceType = valueAt(params, `${shape.resources}.InstanceType`);
  const instanceCount = valueAt(params, `${shape.resources}.InstanceCount`);
  const maxRuntime = valueAt(params, 'StoppingCondition.MaxRuntimeInSeconds');
  const spot = shape.use === 'training' && valueAt(params, 'EnableManagedSpotTraining') === true;
  const base = { state, use: shape.use, spot };
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
  const lookup = prices.sagemaker(shape.use, job.instanceType);
  if ('missing' in lookup) return { ...job, missing: `${where}: ${lookup.missing}` };
  const onDemandUsd = job.instanceCount * (job.maxRuntimeSeconds / 3600) * lookup.price.usd;
  const discount = spot ? table.spotTrainingDiscount.fraction : 0;
  return { ...job, price: lookup.price, onDemandUsd, usd: onDemandUsd * (1 - discount) };
}
