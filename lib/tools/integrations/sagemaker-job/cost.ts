import { asObject } from '../../../../cfn/json-values';
import { DYNAMIC, valueAt } from '../../../../cfn/value-at';
import type { ListPrice, PriceTable, RegionPriceList } from '../../pricing/price-table';
import type { PricedTask } from '../../pricing/priced-task';
import { type JobApi, JOB_KINDS } from './job-kinds';

/**
 * SageMaker jobs a run starts, at their worst case: every instance of every job until its time
 * limit. One job (`Train`), or a tuning job's trials (`trials` of them, each like the others).
 */
export interface JobCost {
  /** The state that starts it (`Train`, `Tune`). */
  readonly state: string;
  readonly use: 'training' | 'processing';
  /** A tuning job's maximum number of training jobs (`MaxNumberOfTrainingJobs`); absent for one job. */
  readonly trials?: number;
  readonly instanceType?: string;
  readonly instanceCount?: number;
  readonly maxRuntimeSeconds?: number;
  /** Managed spot training (`EnableManagedSpotTraining`). */
  readonly spot: boolean;
  readonly price?: ListPrice;
  /** `trials × instanceCount × maxRuntime h × price` (one trial for one job). */
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
  const { kind: use, instances } = JOB_KINDS[api as JobApi];
  const params = asObject(parameters) ?? {};
  return pricedJobs(
    {
      state,
      where: `${stateMachine.path} ${state}`,
      use,
      spot: use === 'training' && valueAt(params, 'EnableManagedSpotTraining') === true,
      measures: [
        [valueAt(params, `${instances}.InstanceType`), 'string', 'instance type'],
        [valueAt(params, `${instances}.InstanceCount`), 'number', 'instance count'],
        [
          valueAt(params, 'StoppingCondition.MaxRuntimeInSeconds'),
          'number',
          'time limit (StoppingCondition.MaxRuntimeInSeconds)',
        ],
      ],
    },
    prices,
    table,
  );
}

/** A value a job's cost reads, the type it must have, and what it is (for the reason it is missing). */
export type JobMeasure = readonly [value: unknown, type: 'string' | 'number', what: string];

/** What `pricedJobs` prices: the job's measures (instance type, count, time limit, then trials if any). */
export interface JobToPrice {
  readonly state: string;
  /** The state machine's path and the state, that a missing price names. */
  readonly where: string;
  readonly use: 'training' | 'processing';
  readonly spot: boolean;
  /** Instance type, instance count, time limit in seconds, and (a tuning job's) the number of trials. */
  readonly measures: readonly JobMeasure[];
}

/**
 * `trials × InstanceCount × MaxRuntimeInSeconds / 3600 × instance-hour price`, less the spot
 * discount for a spot job; or the reason it cannot be priced, each unreadable value named ("its
 * instance type is set at run time", "it has no time limit ...").
 */
export function pricedJobs(job: JobToPrice, prices: RegionPriceList, table: PriceTable): JobCost {
  const { state, where, use, spot, measures } = job;
  const base = { state, use, spot };
  const unreadable = measures
    .filter(([value, type]) => typeof value !== type)
    .map(([value, , what]) => (value === DYNAMIC ? `its ${what} is set at run time` : `it has no ${what}`));
  if (unreadable.length > 0) {
    return { ...base, missing: `${where}: ${unreadable.join(', ')}, so its worst case cannot be priced` };
  }
  const [instanceType, instanceCount, maxRuntime, trials] = measures.map(([value]) => value);
  const measured = {
    ...base,
    ...(trials !== undefined ? { trials: trials as number } : {}),
    instanceType: instanceType as string,
    instanceCount: instanceCount as number,
    maxRuntimeSeconds: maxRuntime as number,
  };
  const lookup = prices.sagemaker(use, measured.instanceType);
  if ('missing' in lookup) return { ...measured, missing: `${where}: ${lookup.missing}` };
  const onDemandUsd =
    (measured.trials ?? 1) * measured.instanceCount * (measured.maxRuntimeSeconds / 3600) * lookup.price.usd;
  const discount = spot ? table.spotTrainingDiscount.fraction : 0;
  return { ...measured, price: lookup.price, onDemandUsd, usd: onDemandUsd * (1 - discount) };
}
