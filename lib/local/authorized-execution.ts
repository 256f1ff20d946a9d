import '../tools/authorization/promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JsonObject } from '../../cfn/json-values';
import { taskStates } from '../../cfn/state-machine-tasks';
import type { AuthorizationModel } from '../tools/authorization/authorization-model';
import type { Decision } from '../tools/authorization/decision';
import type { DeployedResource } from '../tools/calls/deployed-assembly';
import type { RunTimeCall } from '../tools/calls/run-time-call';
import { executionCalls, taskCalls } from '../tools/authorization/state-machine-calls';
import { taskIntegration } from '../tools/integrations/kinds';
import { namedError } from '../tools/integrations/task-integration';
import { locallyRunnable } from '../../cfn/jsonata-choices';

/** Answers a Task state's service integration (`sagemaker:createProcessingJob`, `aws-sdk:s3:getObject`, ...). */
export type IntegrationBackend = (
  integration: string,
  parameters: JsonObject,
  state: string,
) => Promise<unknown>;

/** What happened in a local execution, state by state. */
export interface ExecutionEvent {
  readonly state: string;
  readonly kind: 'started' | 'succeeded' | 'failed';
  /** Milliseconds since the state started (on `succeeded` and `failed`). */
  readonly durationMs?: number;
  readonly error?: string;
}

export interface AuthorizedExecutionOptions {
  /** The state machine as deployed: its role and stage decide every call. */
  readonly stateMachine: DeployedResource;
  /** Its definition, with every token resolved as the deploy resolved it. */
  readonly definition: JsonObject;
  readonly authz: AuthorizationModel;
  readonly backend: IntegrationBackend;
  readonly input: JsonObject;
  readonly executionName: string;
  /** Told as each Task state starts and ends. */
  readonly onEvent?: (event: ExecutionEvent) => void;
}

export interface AuthorizedExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Every call the tasks made, with the evaluator's decision, in order. */
  readonly checked: ReadonlyArray<{ readonly call: RunTimeCall; readonly decision: Decision }>;
}

/**
 * Runs a deployed state machine's definition with aws-local-stepfunctions, as Step Functions
 * would: before a Task state reaches its backend, every call it makes (its integration through
 * the state machine's role and, for a SageMaker job, the job's own requests through the job's
 * role) is checked against the deployed policies; a call IAM would deny fails the task with an
 * access-denied error, as on AWS, and the definition's Retry and Catch rules decide what follows.
 */
export async function runAuthorizedExecution(
  options: AuthorizedExecutionOptions,
): Promise<AuthorizedExecution> {
  const { stateMachine, definition, authz } = options;
  const checked: Array<{ call: RunTimeCall; decision: Decision }> = [];
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const task of taskStates(definition)) {
    const name = task.name.split(' > ').at(-1)!;
    const found = taskIntegration(task.resource);
    handlers[name] = async (input) => {
      const parameters = (input ?? {}) as JsonObject;
      const started = Date.now();
      options.onEvent?.({ state: name, kind: 'started' });
      try {
        if ('problem' in found) throw namedError('States.TaskFailed', found.problem);
        const { calls, problems } = taskCalls(authz.inventory, stateMachine, task, parameters);
        if (problems.length > 0) throw namedError('States.TaskFailed', problems.join('; '));
        for (const call of calls) {
          const decision = await authz.check(call);
          checked.push({ call, decision });
          if (!decision.allowed) {
            throw namedError(
              found.integration.deniedError ?? 'States.TaskFailed',
              `AccessDenied: ${call.principal} is not authorized to perform ${call.action} on ${call.resource} (${decision.explanation})`,
            );
          }
        }
        const result = await options.backend(found.api, parameters, name);
        options.onEvent?.({ state: name, kind: 'succeeded', durationMs: Date.now() - started });
        return result;
      } catch (error) {
        const failure = error as Error;
        options.onEvent?.({
          state: name,
          kind: 'failed',
          durationMs: Date.now() - started,
          error: `${failure.name}: ${failure.message}`,
        });
        throw failure;
      }
    };
  }
  const machineArn = authz.inventory.deployed.ref(stateMachine);
  // Step Functions assumes the state machine's role (and logs) before any state runs.
  for (const call of executionCalls(stateMachine, machineArn)) {
    const decision = await authz.check(call);
    checked.push({ call, decision });
    if (!decision.allowed) {
      return {
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `AccessDenied: ${call.principal} is not authorized to perform ${call.action} on ${call.resource} (${decision.explanation})`,
        checked,
      };
    }
  }
  // The JSONata Choice states (input checks) are evaluated here: they make no call.
  const runnable = locallyRunnable(definition);
  const machine = new StateMachine(runnable.definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(options.input as never, {
    // Retries happen as the definition says, without the waits between them: on one machine they
    // would only make a run slower.
    overrides: {
      taskResourceLocalHandlers: { ...runnable.handlers, ...handlers } as never,
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((state) => [state, 0])),
    },
    context: {
      Execution: {
        Id: `${machineArn.replace(':stateMachine:', ':execution:')}:${options.executionName}`,
        Name: options.executionName,
        Input: options.input as never,
        StartTime: new Date().toISOString(),
      },
    },
  });
  try {
    return { status: 'SUCCEEDED', output: await execution.result, checked };
  } catch (error) {
    const failure = error as Error & { cause?: { name?: string; message?: string } };
    return {
      status: 'FAILED',
      error: failure.cause?.name ?? failure.name,
      cause: failure.cause?.message ?? failure.message,
      checked,
    };
  }
}
