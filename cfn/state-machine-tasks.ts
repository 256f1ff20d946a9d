import { asList, asObject, type JsonObject } from './json-values';

/** A Task state of a definition, found anywhere (also in Parallel branches and Map processors). */
export interface TaskState {
  /** The state's name, after the names of the states it is nested in (`Fanout > Train`). */
  readonly name: string;
  readonly resource: string;
  /** `Parameters` (JSONPath) or `Arguments` (JSONata). */
  readonly parameters: unknown;
  /** Its `TimeoutSeconds` (a number), `TimeoutSecondsPath`'s path, or undefined when it has neither. */
  readonly timeoutSeconds?: unknown;
}

/** Every Task state of a state machine definition, nested ones too (`parent` prefixes their names). */
export function taskStates(definition: JsonObject, parent = ''): TaskState[] {
  return Object.entries(asObject(definition.States) ?? {}).flatMap(([stateName, value]) => {
    const state = asObject(value) ?? {};
    const name = parent ? `${parent} > ${stateName}` : stateName;
    const nested = [
      ...asList(state.Branches),
      ...asList(state.Iterator), // Map, legacy
      ...asList(state.ItemProcessor), // Map
    ];
    return [
      ...(state.Type === 'Task' && typeof state.Resource === 'string'
        ? [
            {
              name,
              resource: state.Resource,
              parameters: state.Parameters ?? state.Arguments,
              timeoutSeconds: state.TimeoutSeconds ?? state.TimeoutSecondsPath,
            },
          ]
        : []),
      ...nested.flatMap((branch) => taskStates(asObject(branch) ?? {}, name)),
    ];
  });
}
