import { asObject } from '../../cfn/json-values';
import { taskStates } from '../../constructs/common/state-machine-tasks';
import { DYNAMIC, stateMachineDefinition, valueAt } from '../../constructs/policy/template-reading';
import type { ListPrice, PriceTable, RegionPriceList } from '../pricing/price-table';
import type { TemplateResource } from '../pricing/template-resources';

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

/** What one run of a state machine costs in SageMaker jobs, at worst. */
export interface TrainingRunCost {
  /** The state machine's construct path (`Training/ChurnPipeline/StateMachine`). */
  readonly stateMachine: string;
  readonly jobs: readonly JobCost[];
  /** The jobs' cost, spot discount applied (priced jobs only: see `missing`). */
  readonly usd: number;
  /** The jobs' cost all on demand: the bound. */
  readonly onDemandUsd: number;
  readonly missing: readonly string[];
}

const SAGEMAKER_TASK = /:states:::(?:aws-sdk:)?sagemaker:(create\w*Job)(?:\.sync|\.waitForTaskToken)?$/i;

/** Where each kind of job keeps its instances, and its time limit. */
const JOB_SHAPES = {
  createtrainingjob: { use: 'training', resources: 'ResourceConfig' },
  createprocessingjob: { use: 'processing', resources: 'ProcessingResources.ClusterConfig' },
} as const;

/**
 * The SageMaker jobs of each state machine that starts any (the training pipelines), each priced
 * at its worst case: `InstanceCount × MaxRuntimeInSeconds / 3600 × instance-hour price`, less
 * the assumed spot discount for managed spot training. A job the table cannot price (another kind
 * of job, a value set at run time, no time limit, an unknown instance type) says why.
 */
export function trainingRunCosts(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
  table: PriceTable,
): TrainingRunCost[] {
  return resources
    .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
    .flatMap((stateMachine) => {
      const definition = stateMachineDefinition(stateMachine.properties);
      if (!definition) {
        const missing = `${stateMachine.path}: its definition cannot be read, so the jobs it starts cannot be priced`;
        return [{ stateMachine: stateMachine.path, jobs: [], usd: 0, onDemandUsd: 0, missing: [missing] }];
      }
      const jobs = taskStates(definition).flatMap((task) => {
        const api = SAGEMAKER_TASK.exec(task.resource)?.[1];
        return api ? [jobCost(task.name, api, task.parameters, stateMachine.path, prices, table)] : [];
      });
      if (jobs.length === 0) return [];
      return [
        {
          stateMachine: stateMachine.path,
          jobs,
          usd: jobs.reduce((sum, j) => sum + (j.usd ?? 0), 0),
          onDemandUsd: jobs.reduce((sum, j) => sum + (j.onDemandUsd ?? 0), 0),
          missing: jobs.flatMap((j) => (j.missing ? [j.missing] : [])),
        },
      ];
    });
}

function jobCost(
  state: string,
  api: string,
  parameters: unknown,
  stateMachine: string,
  prices: RegionPriceList,
  table: PriceTable,
): JobCost {
  const where = `${stateMachine} ${state}`;
  const shape = JOB_SHAPES[api.toLowerCase() as keyof typeof JOB_SHAPES];
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
