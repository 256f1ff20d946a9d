import { asObject } from '../../../../cfn/json-values';
import { DYNAMIC, valueAt } from '../../../../cfn/value-at';
import { costLine, type CostLine, unpricedLine } from '../../pricing/cost-line';
import type { PricedTask } from '../../pricing/priced-task';
import { CREATE_TRANSFORM_JOB } from './calls';

/**
 * One transform job at its worst case: `InstanceCount × TimeoutSeconds / 3600 ×` the batch
 * transform instance-hour price of `InstanceType` (CreateTransformJob has no stopping condition:
 * the task's timeout stops it). A stop task costs nothing.
 */
export function transformJobCostLines(task: PricedTask): CostLine[] {
  if (task.api !== CREATE_TRANSFORM_JOB) return [];
  const where = `${task.stateMachine.path} ${task.name}`;
  const resources = asObject(asObject(task.parameters)?.TransformResources) ?? {};
  const type = valueAt(resources, 'InstanceType');
  const count = valueAt(resources, 'InstanceCount');
  const timeout = task.timeoutSeconds;
  const unreadable = [
    [type, 'string', 'instance type'],
    [count, 'number', 'instance count'],
    [timeout, 'number', "time limit (the Task state's TimeoutSeconds)"],
  ]
    .filter(([value, kind]) => typeof value !== kind)
    .map(([value, , what]) =>
      value === DYNAMIC ? `its ${String(what)} is set at run time` : `it has no ${String(what)}`,
    );
  const item = `SageMaker batch transform ${typeof type === 'string' ? type : '?'}`;
  if (unreadable.length > 0) {
    return [
      unpricedLine(
        item,
        task.stateMachine.path,
        `${where}: ${unreadable.join(', ')}, so its worst case cannot be priced`,
      ),
    ];
  }
  const hours = (timeout as number) / 3600;
  const lookup = task.prices.sagemaker('batch transform', type as string);
  return [
    costLine(
      {
        item,
        resources: [task.stateMachine.path],
        quantity: (count as number) * hours,
        quantityText: `${count as number} × ${+hours.toFixed(2)} h`,
      },
      'missing' in lookup ? { missing: `${where}: ${lookup.missing}` } : lookup,
    ),
  ];
}
