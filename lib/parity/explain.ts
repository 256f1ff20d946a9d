import { isDeepStrictEqual } from 'node:util';
import type { EnvironmentConfig, KnobEffect, KnobSite } from '../../config';
import { withoutNames } from './identity';
import { normalizeValue } from './normalize';

export interface DifferenceToExplain {
  /** Every environment, in configuration order. */
  readonly envs: readonly EnvironmentConfig[];
  readonly effects: readonly KnobEffect[];
  /** Every environment's account, replaced in values as in templates. */
  readonly accounts: readonly string[];
  readonly site: KnobSite;
  /** The value of each environment that has the resource (`true`/`false` per environment for `(exists)`). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The same values with environment names replaced, so that they compare across environments. */
  readonly shown: Readonly<Record<string, unknown>>;
}

/**
 * The knobs that explain a difference, as the report names them, or undefined if none does.
 *
 * The effects that cover it are those whose construct and property patterns match. If any of them
 * gives values, one of those must give every environment exactly its value. Otherwise environments
 * that share the covering effects' keys (by default their knobs' values) must have equal values.
 */
export function explain(difference: DifferenceToExplain): string | undefined {
  const { envs, effects, accounts, site, raw, shown } = difference;
  const covering = effects.filter(
    (e) => e.constructs.some((c) => c.test(site.constructPath)) && e.paths.some((p) => p.test(site.path)),
  );
  const involved = envs.filter((env) => env.name in raw);

  const valued = covering.filter((e) => e.value !== undefined);
  if (valued.length > 0) {
    const giving = valued.find((e) =>
      involved.every((env) =>
        isDeepStrictEqual(raw[env.name], normalizeValue(e.value!(env, site), env, accounts)),
      ),
    );
    return giving && label([giving]);
  }
  if (covering.length === 0) return undefined;

  const keys = withoutNames(
    Object.fromEntries(
      involved.map((env) => [
        env.name,
        normalizeValue(
          covering.map((e) => (e.sameWhen ? e.sameWhen(env, site) : e.knobs.map((k) => valueAt(env, k)))),
          env,
          accounts,
        ),
      ]),
    ),
    Object.fromEntries(envs.map((env) => [env.name, env])),
  );
  const follows = involved.every((a) =>
    involved.every(
      (b) =>
        !isDeepStrictEqual(keys[a.name], keys[b.name]) || isDeepStrictEqual(shown[a.name], shown[b.name]),
    ),
  );
  return follows ? label(covering) : undefined;
}

/** `serving.kind + serving.instanceType (declared divergence)`. */
function label(effects: readonly KnobEffect[]): string {
  return effects
    .map((e) => `${e.knobs.join(' + ')}${e.divergence ? ' (declared divergence)' : ''}`)
    .join(' + ');
}

/** The value of a dotted field (`training.instanceType`) of an environment's settings. */
function valueAt(settings: object, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], settings);
}
