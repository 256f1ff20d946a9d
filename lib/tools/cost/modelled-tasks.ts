import type { JsonObject } from '../../../cfn/json-values';
import { taskStates } from '../../../cfn/state-machine-tasks';
import { taskIntegration } from '../integrations/kinds';
import type { TaskCost } from '../integrations/task-integration';
import type { RegionPriceList } from '../pricing/price-table';
import type { PricedTask } from '../pricing/priced-task';
import type { TemplateResource } from '../pricing/template-resources';

/**
 * Each Task state of `definition` whose integration a kind models, with the kind's cost and the
 * task as that cost reads it. A task no kind models is left to `unmodeledTasks`, which reports it.
 */
export function modelledTasks(
  definition: JsonObject,
  stateMachine: TemplateResource,
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
): Array<{ readonly cost: TaskCost; readonly task: PricedTask }> {
  return taskStates(definition).flatMap((task) => {
    const found = taskIntegration(task.resource);
    if (!('integration' in found)) return [];
    const priced = {
      name: task.name,
      api: found.api,
      parameters: task.parameters,
      timeoutSeconds: task.timeoutSeconds,
      stateMachine,
      resources,
      prices,
    };
    return [{ cost: found.integration.cost, task: priced }];
  });
}
