import { asObject } from '../../cfn/json-values';
import { taskStates } from '../../constructs/common/state-machine-tasks';
import { valueAt } from '../../constructs/policy/template-reading';
import { CODEBUILD_START_BUILD, codebuildBuildLine } from '../integrations/codebuild-build/cost';
import { costLine, type CostLine, unpricedLine, missingPrices, totalUsd } from '../pricing/cost-line';
import { GLUE_START_JOB_RUN, glueJobRunLine } from '../integrations/glue-job-run/cost';
import type { RegionPriceList } from '../pricing/price-table';
import { packageRequestLine } from '../integrations/codebuild-build/package-requests';
import { worstCaseTransitions } from './state-transitions';
import { definitionWithReferences, resourceWrittenAs, type TemplateResource } from '../pricing/template-resources';

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

/** A Task state that starts work of Glue or CodeBuild: a data pipeline's steps. */
const DATA_SERVICE_START = /:states:::(?:aws-sdk:)?(glue|codebuild):(start\w*)(?:\.sync)?$/i;
const STATES_START_EXECUTION = /:states:::(?:aws-sdk:(?:sfn|states):|states:)startExecution/i;

/**
 * Each state machine that starts Glue job runs or CodeBuild builds (the data pipelines), one run
 * at its worst case: every job run and build to its time limit (see `glueJobRunLine`,
 * `codebuildBuildLine`), and the most state transitions a run can take, every retry and the
 * failure path included (see `worstCaseTransitions`). The state machines it starts (training) are
 * named, not added. Any other Glue or CodeBuild work it starts is reported as not estimated.
 */
export function dataPipelineRunCosts(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
): DataPipelineRunCost[] {
  return resources
    .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
    .flatMap((stateMachine) => {
      const definition = definitionWithReferences(stateMachine.properties);
      if (!definition) return []; // unreadable: training-runs.ts reports it
      const tasks = taskStates(definition);
      const steps = tasks.flatMap((task) => {
        const match = DATA_SERVICE_START.exec(task.resource);
        return match ? [{ ...task, service: match[1].toLowerCase(), api: match[2] }] : [];
      });
      if (steps.length === 0) return [];

      const lines = steps.flatMap((step) => {
        if (GLUE_START_JOB_RUN.test(step.resource)) {
          return [glueJobRunLine(step.name, step.parameters, stateMachine, resources, prices)];
        }
        if (CODEBUILD_START_BUILD.test(step.resource)) {
          // The build's minutes, and what it asks of CodeArtifact where it installs from there.
          const requests = packageRequestLine(step.name, step.parameters, stateMachine, resources, prices);
          return [
            codebuildBuildLine(step.name, step.parameters, stateMachine, resources, prices),
            ...(requests ? [requests] : []),
          ];
        }
        return unpricedLine(
          `${step.name} (${step.service} ${step.api})`,
          stateMachine.path,
          `${stateMachine.path} ${step.name}: ${step.service} ${step.api} is not estimated`,
        );
      });
      lines.push(transitionsLine(stateMachine, definition, prices));

      const starts = tasks
        .filter((task) => STATES_START_EXECUTION.test(task.resource))
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
