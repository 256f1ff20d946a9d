import { stateMachineDefinition } from '../../../cfn/undeployed-definitions';
import type { JobCost } from '../integrations/sagemaker-job/cost';
import type { PriceTable, RegionPriceList } from '../pricing/price-table';
import type { TemplateResource } from '../pricing/template-resources';
import { modelledTasks } from './modelled-tasks';

export type { JobCost };

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

/**
 * The SageMaker jobs of each state machine that starts any (the training pipelines), each priced
 * at its worst case: `InstanceCount × MaxRuntimeInSeconds / 3600 × instance-hour price` (times
 * `MaxNumberOfTrainingJobs` for a tuning job's trials), less the assumed spot discount for managed
 * spot training. A job the table cannot price (a value set
 * at run time, no time limit, an unknown instance type) says why.
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
      const jobs = modelledTasks(definition, stateMachine, resources, prices).flatMap(({ cost, task }) =>
        'part' in cost && cost.part === 'training-run' ? [cost.job(task, table)] : [],
      );
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
