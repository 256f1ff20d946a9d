import type { JsonObject } from '../../../../cfn/json-values';
import { parseArn } from '../../calls/arns';
import { managedRuleCalls } from '../managed-rule-calls';
import { namedError, SAMPLE_UUID, type TaskIntegration } from '../task-integration';

/**
 * Another state machine's execution (`states:startExecution`, `.sync:2`): the training pipeline
 * started by its data pipeline. Calls: the start and, waiting, the describe and stop of the child
 * execution and the managed rule. Not priced here: the child's own estimate prices it. Locally: the
 * deployed child runs here the same way (its calls checked); `.sync:2` answers with its output as JSON.
 */
export const CHILD_EXECUTION: TaskIntegration = {
  apis: ['states:startExecution'],
  calls({ stage, caller, sync }, parameters) {
    const machineArn = parameters.StateMachineArn;
    if (typeof machineArn !== 'string') return { calls: [], problems: ['no StateMachineArn'] };
    const machine = parseArn(machineArn);
    const machineName = machine?.resource.replace(/^stateMachine:/, '');
    if (!machine || !machineName || machineName.includes(':')) {
      return { calls: [], problems: [`${machineArn} is not a state machine ARN`] };
    }
    // The child execution: named by the task, or by Step Functions (a UUID).
    const executionArn = childExecutionArn(machineArn, parameters.Name)!;
    return {
      calls: [
        { ...caller, action: 'states:StartExecution', resource: machineArn },
        ...(sync
          ? [
              { ...caller, action: 'states:DescribeExecution', resource: executionArn },
              { ...caller, action: 'states:StopExecution', resource: executionArn },
              ...managedRuleCalls(caller, stage, 'StepFunctionsGetEventsForStepFunctionsExecutionRule'),
            ]
          : []),
      ],
      problems: [],
    };
  },
  // Not priced here: the child's own estimate prices its run.
  cost: { free: 'the state machine it starts is priced on its own' },
  sample({ pattern }, parameters) {
    const started = {
      ExecutionArn: childExecutionArn(String(parameters.StateMachineArn), parameters.Name) ?? '',
      StartDate: '2026-11-30T00:00:00.000Z',
    };
    // `.sync:2` returns the child's output as JSON, `.sync` as a string.
    if (pattern === 'sync:2') return { ...started, Status: 'SUCCEEDED', Output: {} };
    if (pattern === 'sync') return { ...started, Status: 'SUCCEEDED', Output: '{}' };
    return started;
  },
  async run(task, parameters) {
    const stateMachineArn = String(parameters.StateMachineArn);
    const name = typeof parameters.Name === 'string' ? parameters.Name : `${task.state}-${Date.now()}`;
    const input = (
      typeof parameters.Input === 'string' ? JSON.parse(parameters.Input) : parameters.Input
    ) as JsonObject;
    const execution = await task.startExecution(stateMachineArn, name, input);
    const { executionArn } = execution;
    if (execution.status !== 'SUCCEEDED') {
      // As Step Functions reports a failed child of `.sync:2`: its description as the cause.
      throw namedError(
        'States.TaskFailed',
        JSON.stringify({
          ExecutionArn: executionArn,
          Status: 'FAILED',
          Error: execution.error,
          Cause: execution.cause,
        }),
      );
    }
    return { ExecutionArn: executionArn, Status: 'SUCCEEDED', Output: execution.output as JsonObject };
  },
};

/** The ARN of the execution of `stateMachineArn` that a task starts: named `name`, else by Step Functions (a UUID). */
function childExecutionArn(stateMachineArn: string, name: unknown): string | undefined {
  const machine = parseArn(stateMachineArn);
  if (!machine) return undefined;
  const machineName = machine.resource.replace(/^stateMachine:/, '');
  const executionName = typeof name === 'string' ? name : SAMPLE_UUID;
  return `arn:${machine.partition}:states:${machine.region}:${machine.account}:execution:${machineName}:${executionName}`;
}
