import jsonata from 'jsonata';
import { asList, asObject, type JsonObject } from './json-values';

/** The resource of the Task state that stands in for a JSONata Choice state (never called on AWS). */
export const LOCAL_JSONATA_CHOICE = 'arn:aws:states:::mlenv.local:jsonataChoice';

/** A Task state's timeout when its definition sets none (the Amazon States Language's default). */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99999999;

/**
 * The timeout a local run gives such a Task: the language's default, or the longest a Node.js
 * timer waits (2^31 - 1 ms, about 24.8 days) if shorter. A longer one overflows: Node.js sets it
 * to 1 ms, and every Task that awaits anything fails as `States.Timeout`.
 */
export const LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS = Math.min(
  AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
  Math.floor((2 ** 31 - 1) / 1000),
);

/** The error a stand-in throws to take its Choice's rule `index`: its Catch goes to that rule's `Next`. */
const ruleTaken = (index: number) => `mlenv.local.ChoiceRule${index}`;

/** A definition aws-local-stepfunctions can run, and the handlers of the states it stands in with. */
export interface LocallyRunnable {
  readonly definition: JsonObject;
  /** By state name, for `taskResourceLocalHandlers` (no call of them is a call to AWS). */
  readonly handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

/** An error named as Step Functions names it. */
function stepFunctionsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * aws-local-stepfunctions 3 runs JSONPath states only. A JSONPath state machine may still have
 * JSONata Choice states (`QueryLanguage: JSONata`: the run-time string checks, whose rules need
 * regular expressions); each becomes, for a local run, a Task state of the same name whose handler
 * evaluates the Choice's `Condition`s in order with the `jsonata` package (`$states.input` is the
 * state's input), as Step Functions does: the first true one is taken (the handler throws an error
 * the stand-in's Catch for that rule sends on, input unchanged), none goes to `Default` (the
 * stand-in's `Next`, input unchanged), or fails as `States.NoChoiceMatched`; a condition that is not
 * a boolean fails as `States.QueryEvaluationError`. A JSONata Pass state becomes a Task whose
 * handler evaluates its `Output` (`{% ... %}`, or its input when it has none) as its whole output.
 * Any other JSONata state is refused: there is no local model of it. A Task without `TimeoutSeconds` gets the language's default, 99999999 s,
 * as far as a Node.js timer reaches (`LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS`).
 */
export function locallyRunnable(definition: JsonObject): LocallyRunnable {
  const handlers: LocallyRunnable['handlers'] = {};
  const rewrite = (machine: JsonObject, where: string): JsonObject => {
    if (machine.QueryLanguage === 'JSONata') {
      throw new Error(`${where}: a JSONata state machine cannot run locally (aws-local-stepfunctions 3)`);
    }
    const states = Object.entries(asObject(machine.States) ?? {}).map(([name, value]): [string, unknown] => {
      const state = asObject(value) ?? {};
      if (state.QueryLanguage !== 'JSONata') {
        // Parallel branches and Map processors are state machines of their own.
        const nested: JsonObject = {};
        if ('Branches' in state) {
          nested.Branches = asList(state.Branches).map((branch) => rewrite(asObject(branch) ?? {}, name));
        }
        for (const key of ['Iterator', 'ItemProcessor']) {
          if (key in state) nested[key] = rewrite(asObject(state[key]) ?? {}, name);
        }
        // A Task without a timeout runs as long as its work does on AWS; aws-local-stepfunctions
        // would fail it after 60 s (a local job on a busy machine takes longer).
        if (state.Type === 'Task' && !('TimeoutSeconds' in state) && !('TimeoutSecondsPath' in state)) {
          nested.TimeoutSeconds = LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS;
        }
        return [name, { ...state, ...nested }];
      }
      if (state.Type === 'Pass' && !('Assign' in state)) return [name, passStandIn(name, state, handlers)];
      if (state.Type !== 'Choice' || 'Output' in state || 'Assign' in state) {
        throw new Error(
          `${name}: a JSONata ${String(state.Type)} state${state.Type === 'Choice' ? ' with Output or Assign' : ''} cannot run locally (aws-local-stepfunctions 3 runs JSONPath states; only JSONata Choice conditions and Pass outputs are evaluated here)`,
        );
      }
      const rules = asList(state.Choices).map((rule, index) => {
        const { Condition: condition, Next: next } = asObject(rule) ?? {};
        const body = /^\{%([\s\S]*)%\}$/.exec(String(condition))?.[1];
        if (body === undefined) throw new Error(`${name}: rule ${index} has no {% %} Condition`);
        return { expression: jsonata(body), next: String(next) };
      });
      handlers[name] = async (input) => {
        for (const [index, rule] of rules.entries()) {
          let value: unknown;
          try {
            value = await rule.expression.evaluate({}, { states: { input } });
          } catch (error) {
            throw stepFunctionsError('States.QueryEvaluationError', `${name}: ${(error as Error).message}`);
          }
          if (typeof value !== 'boolean') {
            throw stepFunctionsError(
              'States.QueryEvaluationError',
              `${name}: the Condition of rule ${index} is not a boolean`,
            );
          }
          if (value) throw stepFunctionsError(ruleTaken(index), `${name} takes rule ${index}`);
        }
        if (typeof state.Default !== 'string') {
          throw stepFunctionsError(
            'States.NoChoiceMatched',
            `${name}: no rule matched and there is no Default`,
          );
        }
        return {};
      };
      return [
        name,
        {
          Type: 'Task',
          Resource: LOCAL_JSONATA_CHOICE,
          ...(state.Comment === undefined ? {} : { Comment: state.Comment }),
          ResultPath: null,
          ...(typeof state.Default === 'string' ? { Next: state.Default } : { End: true }),
          Catch: rules.map((rule, index) => ({
            ErrorEquals: [ruleTaken(index)],
            ResultPath: null,
            Next: rule.next,
          })),
        },
      ];
    });
    return { ...machine, States: Object.fromEntries(states) };
  };
  return { definition: rewrite(definition, 'the state machine'), handlers };
}

/**
 * The stand-in of a JSONata Pass state (no `Assign`): a Task whose handler evaluates the state's
 * `Output` over `$states.input` and gives the result as the state's whole output, as Step
 * Functions does; without `Output`, the input passes through.
 */
function passStandIn(name: string, state: JsonObject, handlers: LocallyRunnable['handlers']): JsonObject {
  const output = state.Output;
  const body = typeof output === 'string' ? /^\{%([\s\S]*)%\}$/.exec(output)?.[1] : undefined;
  if (output !== undefined && body === undefined) {
    throw new Error(`${name}: a JSONata Pass state runs locally only with a {% %} Output expression`);
  }
  const expression = body === undefined ? undefined : jsonata(body);
  handlers[name] = async (input) => {
    if (!expression) return input;
    try {
      return await expression.evaluate({}, { states: { input } });
    } catch (error) {
      throw stepFunctionsError('States.QueryEvaluationError', `${name}: ${(error as Error).message}`);
    }
  };
  return {
    Type: 'Task',
    Resource: LOCAL_JSONATA_CHOICE,
    ...(state.Comment === undefined ? {} : { Comment: state.Comment }),
    // No ResultPath: the result is the whole output (aws-local-stepfunctions reads '$' as a key).
    ...(typeof state.Next === 'string' ? { Next: state.Next } : { End: true }),
  };
}
