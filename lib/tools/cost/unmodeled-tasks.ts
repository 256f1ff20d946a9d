import { taskStates } from '../../../cfn/state-machine-tasks';
import { taskIntegration } from '../integrations/kinds';
import { definitionWithReferences, type TemplateResource } from '../pricing/template-resources';

/**
 * Every Task state of every state machine whose integration no kind of lib/tools/integrations
 * models, as a missing price: its cost is unknown, so the totals it touches are lower bounds
 * (each modelled kind prices its tasks or says why they are free).
 */
export function unmodeledTasks(resources: readonly TemplateResource[]): string[] {
  return resources
    .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
    .flatMap((stateMachine) => {
      const definition = definitionWithReferences(stateMachine.properties);
      if (!definition) return []; // unreadable: training-runs.ts reports it
      return taskStates(definition).flatMap((task) => {
        const found = taskIntegration(task.resource);
        return 'problem' in found
          ? [`${stateMachine.path} ${task.name}: ${found.problem}, so it is not estimated`]
          : [];
      });
    });
}
