import type { EnvironmentConfig } from '../../../config';
import { type ComparedRow, compareTemplates, EXISTS, type Peers } from './compare';
import { counterfactual, differingGroups, knobGroups } from './knob-values';
import type { StageTemplates } from './render';

/** Which knob groups of an environment change which rows (`rowKey`) of the reference's templates. */
export type Attribution = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/**
 * Attributes the differences between the reference and each environment to knob groups: the
 * reference is rendered with one of the environment's knob groups at a time (`serving`,
 * `removalPolicy`, `deployments`, ...; each distinct group value once), and a group explains the
 * rows where that rendering differs from the reference's. A top-level group, not a leaf knob:
 * leaves would take several times the renderings (docs/reference/parity.md).
 */
export function attributeDifferences(
  environments: readonly EnvironmentConfig[],
  reference: EnvironmentConfig,
  render: (env: EnvironmentConfig) => StageTemplates,
  peers: Peers,
): Attribution {
  const baseline = render(reference);
  const identity = { ...reference };
  const changedBy = new Map<string, Set<string>>();
  const byEnvironment = new Map<string, Map<string, string[]>>();
  for (const env of environments) {
    if (env.name === reference.name) continue;
    const groups = new Map<string, string[]>();
    for (const group of differingGroups(reference, env)) {
      const single = counterfactual(reference, env, [group]);
      const key = JSON.stringify(single);
      let rows = changedBy.get(key);
      if (!rows) {
        const sides = [
          { label: 'reference', identity, stacks: baseline },
          { label: 'changed', identity, stacks: render(single) },
        ];
        rows = new Set(compareTemplates(sides, peers, { everyLeaf: true }).rows.map((r) => r.key));
        changedBy.set(key, rows);
      }
      for (const row of rows) {
        groups.set(row, [...(groups.get(row) ?? []), group]);
        // And by entry (`Stack/LogicalId`), for rows that no group changes alone.
        const entry = entryOf(row);
        if (!groups.get(entry)?.includes(group)) groups.set(entry, [...(groups.get(entry) ?? []), group]);
      }
    }
    byEnvironment.set(env.name, groups);
  }
  return byEnvironment;
}

/**
 * The label of a row of the environments' comparison: the groups that make each environment that
 * differs from the reference differ there (`serving + network`); `(declared divergence)` where a
 * knob decides whether a resource exists. Where no single group changes the row, the environment's
 * differing groups together do (`(together)`).
 */
export function knobLabel(
  row: ComparedRow,
  reference: EnvironmentConfig,
  attribution: Attribution,
  groupsOf: (env: string) => readonly string[],
): string {
  const groups = new Set<string>();
  let together = false;
  for (const [env, byRow] of attribution) {
    if (!differsFromReference(row, env, reference.name)) continue;
    const found = byRow.get(row.key) ?? [];
    together ||= found.length === 0;
    // No group alone changes the row: where the reference has the resource, the groups that change
    // it do, together (a statement shifted by two); else all the environment's differing groups.
    const joint = (row.present.includes(reference.name) && byRow.get(entryOf(row.key))) || groupsOf(env);
    (found.length === 0 ? joint : found).forEach((g) => groups.add(g));
  }
  const order = knobGroups(reference);
  const label =
    [...groups].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(' + ') +
    (together ? ' (together)' : '');
  return row.path === EXISTS ? `${label} (declared divergence)` : label;
}

/** The entry part of a row key (`Stack/LogicalId`). */
const entryOf = (key: string) => key.slice(0, key.indexOf('\u0000'));

function differsFromReference(row: ComparedRow, env: string, reference: string): boolean {
  if (!(env in row.values)) return false;
  if (row.path === EXISTS) return row.values[env] !== row.values[reference];
  // A property of a resource this environment lacks is no difference of its own (the (exists) row is).
  if (!row.present.includes(env)) return false;
  return JSON.stringify(row.values[env]) !== JSON.stringify(row.values[reference]);
}
