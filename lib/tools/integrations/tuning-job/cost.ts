import { asList, asObject } from '../../../../cfn/json-values';
import { DYNAMIC, valueAt } from '../../../../cfn/value-at';
import type { PriceTable } from '../../pricing/price-table';
import type { PricedTask } from '../../pricing/priced-task';
import { type JobCost, type JobMeasure, pricedJobs } from '../sagemaker-job/cost';

const TRIALS = 'HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs';

/**
 * A tuning job's worst case: every one of its `MaxNumberOfTrainingJobs` trials runs all its
 * instances to the definition's time limit,
 * `MaxNumberOfTrainingJobs × InstanceCount × MaxRuntimeInSeconds / 3600 × training price`, less
 * the assumed spot discount when the definition uses managed spot training. With several
 * `TrainingJobDefinitions`, every trial is priced as the dearest definition's. A value set at run
 * time or absent (Hyperband may leave the number of trials out) is reported missing, with why.
 */
export function tuningJobCost(
  { name: state, parameters, stateMachine, prices }: PricedTask,
  table: PriceTable,
): JobCost {
  const where = `${stateMachine.path} ${state}`;
  const params = asObject(parameters) ?? {};
  const trials: JobMeasure = [valueAt(params, TRIALS), 'number', `maximum number of trials (${TRIALS})`];
  const costs = definitionsToPrice(params).map((definition) => {
    const at = (path: string) =>
      definition.prefix
        ? valueAt(params, `${definition.prefix}.${path}`)
        : valueAt(definition.settings, path);
    return pricedJobs(
      {
        state,
        where,
        use: 'training',
        spot: at('EnableManagedSpotTraining') === true,
        measures: [
          [
            at('ResourceConfig.InstanceType'),
            'string',
            'instance type (TrainingJobDefinition.ResourceConfig)',
          ],
          [
            at('ResourceConfig.InstanceCount'),
            'number',
            'instance count (TrainingJobDefinition.ResourceConfig)',
          ],
          [
            at('StoppingCondition.MaxRuntimeInSeconds'),
            'number',
            'time limit (TrainingJobDefinition.StoppingCondition.MaxRuntimeInSeconds)',
          ],
          trials,
        ],
      },
      prices,
      table,
    );
  });
  return (
    costs.find((cost) => cost.missing) ??
    costs.reduce((dearest, cost) => (cost.usd! > dearest.usd! ? cost : dearest))
  );
}

/**
 * The request's definitions, each read where it is: the singular `TrainingJobDefinition` through
 * its path (so a definition set at run time reads as such), or each of `TrainingJobDefinitions`.
 */
function definitionsToPrice(params: Record<string, unknown>): Array<{ prefix?: string; settings?: unknown }> {
  const listed = valueAt(params, 'TrainingJobDefinitions');
  if (listed === DYNAMIC) return [{ prefix: 'TrainingJobDefinitions' }];
  if (listed !== undefined && asList(listed).length > 0)
    return asList(listed).map((settings) => ({ settings }));
  return [{ prefix: 'TrainingJobDefinition' }];
}
