import { isDeepStrictEqual } from 'node:util';
import type { EnvironmentConfig } from '../../../config';

/**
 * What makes an environment itself: where it is and what it is called. Everything else of its
 * configuration is a knob, by definition: the schema's fields and what the configuration derives
 * per environment (its pins, its place in the promotion order), so a knob added to the schema is
 * compared and attributed with no change here.
 */
export const IDENTITY = ['name', 'stageId', 'account', 'region'] as const;

type Identity = Pick<EnvironmentConfig, (typeof IDENTITY)[number]>;

/** The environment's knobs, by top-level field (`serving`, `removalPolicy`, `deployments`, ...). */
export function knobGroups(env: EnvironmentConfig): string[] {
  return Object.keys(env).filter((key) => !(IDENTITY as readonly string[]).includes(key));
}

/** The knob groups in which `env` differs from `reference` (its values read in the reference's identity). */
export function differingGroups(reference: EnvironmentConfig, env: EnvironmentConfig): string[] {
  const own = counterfactual(reference, env);
  return knobGroups(env).filter(
    (group) => !isDeepStrictEqual(valueOf(own, group), valueOf(reference, group)),
  );
}

/**
 * The reference environment with `env`'s knob values (all of them, or only `groups`), keeping the
 * reference's identity. Knob values that name `env`'s account or region (pins, promotion peers)
 * name the reference's instead, and the reference's `env`'s, as templates are normalized (accounts
 * and regions everywhere; names are matched where values line up, so they stay as they are).
 */
export function counterfactual(
  reference: EnvironmentConfig,
  env: EnvironmentConfig,
  groups: readonly string[] = knobGroups(env),
): EnvironmentConfig {
  const swap = identitySwap(env, reference);
  const knobs = Object.fromEntries(groups.map((group) => [group, swap(valueOf(env, group))]));
  return { ...reference, ...knobs } as EnvironmentConfig;
}

/** Environments' knob values by group, for labels and reports. */
export function valueOf(env: EnvironmentConfig, group: string): unknown {
  return (env as unknown as Record<string, unknown>)[group];
}

/** Exchanges the two environments' accounts and regions in every string of a value. */
function identitySwap(a: Identity, b: Identity): (value: unknown) => unknown {
  const pairs = new Map<string, string>();
  for (const key of ['account', 'region'] as const) {
    if (a[key] === b[key]) continue;
    pairs.set(a[key], b[key]);
    pairs.set(b[key], a[key]);
  }
  if (pairs.size === 0) return (value) => value;
  const pattern = new RegExp([...pairs.keys()].map((k) => k.replace(/[-]/g, '\\-')).join('|'), 'g');
  const map = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(pattern, (m) => pairs.get(m)!);
    if (Array.isArray(value)) return value.map(map);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, map(v)]));
    }
    return value;
  };
  return map;
}
