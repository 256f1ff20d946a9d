import { asObject } from '../../../cfn/json-values';
import { taskStates } from '../../../cfn/state-machine-tasks';
import { valueAt } from '../../../cfn/value-at';
import { CHILD_EXECUTION } from '../integrations/child-execution';
import { taskIntegration } from '../integrations/kinds';
import { modelledTasks } from './modelled-tasks';
import { costLine, type CostLine, unpricedLine, missingPrices, totalUsd } from '../pricing/cost-line';
import type { RegionPriceList } from '../pricing/price-table';
import { worstCaseTransitions } from './state-transitions';
import {
  definitionWithReferences,
  resourceWrittenAs,
  type TemplateResource,
} from '../pricing/template-resources';

/** What one run of a data pipeline costs at worst, apart from the runs it starts. */
export interface DataPipelineRunCost {
  /** The state machine's construct path (`ChurnModel/ChurnData/StateMachine`). */
  readonly stateMachine: string;
  /** Each Glue job run and CodeBuild build it starts, to its time limit; then its state transitions. */
  readonly lines: readonly CostLine[];
  /**
   * The state machines it starts (`states:startExecution`), by construct path (or ARN): their runs
   * (the training runs) are priced on their own, not here.
   */
  readonly starts: readonly string[];
  /** The priced lines' sum (complete only when `missing` is empty). */
  readonly usd: number;
  readonly missing: readonly string[];
}

/**
 * Each state machine that starts Glue job runs or CodeBuild builds (the data pipelines), one run
 * at its worst case: every job run and build to its time limit (see `glueJobRunLine`,
 * `codebuildBuildLine`), and the most state transitions a run can take, every retry and the
 * failure path included (see `worstCaseTransitions`). The state machines it starts (training) are
 * named, not added (a task of an integration no kind models: see `unmodeledTasks`).
 */
export function dataPipelineRunCosts(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
  part: 'data-pipeline-run' | 'batch-run' = 'data-pipeline-run',
): DataPipelineRunCost[] {
  return resources
    .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
    .flatMap((stateMachine) => {
      const definition = definitionWithReferences(stateMachine.properties);
      if (!definition) return []; // unreadable: training-runs.ts reports it
      const lines = modelledTasks(definition, stateMachine, resources, prices).flatMap(({ cost, task }) =>
        'part' in cost && cost.part === part && 'lines' in cost ? cost.lines(task) : [],
      );
      if (lines.length === 0) return [];
      lines.push(transitionsLine(stateMachine, definition, prices));

      const starts = taskStates(definition)
        .filter((task) => integrationOf(task.resource) === CHILD_EXECUTION)
        .map((task) => {
          const arn = valueAt(asObject(task.parameters) ?? {}, 'StateMachineArn');
          if (typeof arn !== 'string')
            return `${stateMachine.path} ${task.name}: a state machine named at run time`;
          return resourceWrittenAs(resources, stateMachine, arn)?.path ?? arn;
        });
      return [
        {
          stateMachine: stateMachine.path,
          lines,
          starts,
          usd: totalUsd(lines),
          missing: missingPrices(lines),
        },
      ];
    });
}

/** The most state transitions a run takes, at the standard workflows' price. */
function transitionsLine(
  stateMachine: TemplateResource,
  definition: Record<string, unknown>,
  prices: RegionPriceList,
): CostLine {
  const line = { item: 'state transitions', resources: [stateMachine.path] };
  if (stateMachine.properties.StateMachineType === 'EXPRESS') {
    return unpricedLine(
      line.item,
      stateMachine.path,
      `${stateMachine.path}: an Express workflow is billed per request and duration, which is not estimated`,
    );
  }
  const count = worstCaseTransitions(definition);
  if ('problem' in count) {
    return unpricedLine(
      line.item,
      stateMachine.path,
      `${stateMachine.path}: its state transitions cannot be counted: ${count.problem}`,
    );
  }
  const lookup = prices.get('stepFunctionsTransitions');
  return costLine(
    { ...line, quantity: count.transitions / 1000, quantityText: `${count.transitions} (every retry)` },
    'missing' in lookup ? { missing: `${stateMachine.path}: ${lookup.missing}` } : lookup,
  );
}

/** The kind of a Task's integration, if one models it. */
function integrationOf(resource: string) {
  const found = taskIntegration(resource);
  return 'integration' in found ? found.integration : undefined;
}
