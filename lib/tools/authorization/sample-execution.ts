import './promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import { asList, asObject, type JsonObject } from '../../../cfn/json-values';
import { locallyRunnable } from '../../../cfn/jsonata-choices';
import { parseArn } from '../calls/arns';
import { taskIntegration } from '../integrations/kinds';
import type { SampleAnswers } from '../integrations/task-integration';

/** What a sample execution of a state machine did: the parameters each Task state was called with. */
export interface SampleExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** Why it failed, when it did. */
  readonly failure?: string;
  /** The resolved parameters of each Task state, by state name, as first called. */
  readonly taskParameters: ReadonlyMap<string, JsonObject>;
  readonly executionArn: string;
}

export interface SampleExecutionOptions extends SampleAnswers {
  readonly input: JsonObject;
  /** @default 'authorization-check' */
  readonly executionName?: string;
}

/**
 * Runs `definition` with aws-local-stepfunctions (so JSONPath, intrinsic functions and Choice
 * rules are evaluated as Step Functions would) and records each Task state's parameters. Each task
 * is answered the way its service answers (its integration kind's `sample`: a `.sync` job
 * completes, a registration is version 1 of its group, an S3 read returns `objectBody`...); a task
 * of an integration no kind models fails the run, which the authorization check reports.
 */
export async function runSampleExecution(
  definition: JsonObject,
  stateMachineArn: string,
  options: SampleExecutionOptions,
): Promise<SampleExecution> {
  const arn = parseArn(stateMachineArn);
  if (!arn) throw new Error(`Not a state machine ARN: ${stateMachineArn}`);
  const taskParameters = new Map<string, JsonObject>();
  // Each task is answered by its integration's kind, as the service documents its answer.
  const answer = (resource: string, parameters: JsonObject): JsonObject => {
    const found = taskIntegration(resource);
    if ('problem' in found) throw new Error(found.problem);
    return found.integration.sample(
      { api: found.api, pattern: found.pattern, where: arn, answers: options },
      parameters,
    );
  };

  const tasks = statesOfType(definition, 'Task');
  const handlers = Object.fromEntries(
    tasks.map(({ name, state }) => [
      name,
      (input: unknown) => {
        const parameters = asObject(input) ?? {};
        if (!taskParameters.has(name)) taskParameters.set(name, parameters);
        return answer(String(state.Resource), parameters) as never;
      },
    ]),
  );
  const executionName = options.executionName ?? 'authorization-check';
  const executionArn = `arn:${arn.partition}:states:${arn.region}:${arn.account}:execution:${arn.resource.replace(/^stateMachine:/, '')}:${executionName}`;
  // JSONata Choice states (the input checks) are evaluated by a local stand-in, as aws-local-stepfunctions runs none.
  const runnable = locallyRunnable(definition);
  const machine = new StateMachine(runnable.definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(options.input as never, {
    overrides: {
      taskResourceLocalHandlers: { ...runnable.handlers, ...handlers } as never,
      retryIntervalOverrides: Object.fromEntries(tasks.map(({ name }) => [name, 0])),
      waitTimeOverrides: Object.fromEntries(statesOfType(definition, 'Wait').map(({ name }) => [name, 0])),
    },
    context: {
      Execution: {
        Id: executionArn,
        Name: executionName,
        Input: options.input as never,
        StartTime: '2026-11-30T00:00:00.000Z',
        RoleArn: '',
      },
      StateMachine: { Id: stateMachineArn, Name: arn.resource.replace(/^stateMachine:/, '') },
    } as never,
  });
  try {
    await execution.result;
    return { status: 'SUCCEEDED', taskParameters, executionArn };
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    const failure = `${cause?.name ?? (error as Error).name}: ${cause?.message ?? (error as Error).message}`;
    return { status: 'FAILED', failure, taskParameters, executionArn };
  }
}

/** Every state of `type`, nested ones too, by the name aws-local-stepfunctions knows it by. */
function statesOfType(definition: JsonObject, type: string): Array<{ name: string; state: JsonObject }> {
  return Object.entries(asObject(definition.States) ?? {}).flatMap(([name, value]) => {
    const state = asObject(value) ?? {};
    const nested = [...asList(state.Branches), ...asList(state.Iterator), ...asList(state.ItemProcessor)];
    return [
      ...(state.Type === type ? [{ name, state }] : []),
      ...nested.flatMap((branch) => statesOfType(asObject(branch) ?? {}, type)),
    ];
  });
}
