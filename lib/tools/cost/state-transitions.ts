import { asList, asObject, type JsonObject } from '../../../cfn/json-values';

/** The most state transitions one run can take, or why they cannot be counted. */
export type TransitionCount = { readonly transitions: number } | { readonly problem: string };

/** A retrier's attempts when it sets no `MaxAttempts` (Amazon States Language). */
const DEFAULT_MAX_ATTEMPTS = 3;

class Unbounded extends Error {}

/**
 * The most state transitions one run of a standard workflow can take: each state it enters is
 * one, each retry another (every retrier to its `MaxAttempts`), along the longest way through the
 * definition (`Next`, a Choice's choices and default, a Catch's target). A Parallel state adds its
 * branches (again on each retry). A Map state (its items are known only at run time) and a loop
 * cannot be bounded: they are the problem returned.
 */
export function worstCaseTransitions(definition: JsonObject): TransitionCount {
  try {
    return { transitions: longestRun(definition) };
  } catch (error) {
    if (error instanceof Unbounded) return { problem: error.message };
    throw error;
  }
}

function longestRun(definition: JsonObject): number {
  const states = asObject(definition.States) ?? {};
  const known = new Map<string, number>();
  const visit = (name: string, path: readonly string[]): number => {
    if (path.includes(name)) {
      throw new Unbounded(`it can loop (${[...path.slice(path.indexOf(name)), name].join(' > ')})`);
    }
    const counted = known.get(name);
    if (counted !== undefined) return counted;
    const state = asObject(states[name]);
    if (!state) throw new Unbounded(`its state ${name} is not in the definition`);
    if (state.Type === 'Map') {
      throw new Unbounded(`its Map state ${name} runs once per item, a number known only at run time`);
    }
    const attempts = 1 + asList(state.Retry).reduce<number>((sum, retrier) => sum + maxAttempts(retrier), 0);
    const branches =
      state.Type === 'Parallel'
        ? asList(state.Branches).reduce<number>((sum, branch) => sum + longestRun(asObject(branch) ?? {}), 0)
        : 0;
    const following = [
      state.Next,
      state.Default,
      ...asList(state.Choices).map((choice) => asObject(choice)?.Next),
      ...asList(state.Catch).map((catcher) => asObject(catcher)?.Next),
    ].filter((next): next is string => typeof next === 'string');
    const after = Math.max(0, ...following.map((next) => visit(next, [...path, name])));
    const total = attempts * (1 + branches) + after;
    known.set(name, total);
    return total;
  };
  if (typeof definition.StartAt !== 'string') throw new Unbounded('its definition has no StartAt');
  return visit(definition.StartAt, []);
}

function maxAttempts(retrier: unknown): number {
  const value = asObject(retrier)?.MaxAttempts;
  return typeof value === 'number' && value >= 0 ? value : DEFAULT_MAX_ATTEMPTS;
}
