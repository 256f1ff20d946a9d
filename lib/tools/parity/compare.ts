import type { EnvironmentConfig } from '../../../config';
import { flatten } from './flatten';
import { type NamedEnvironment, withoutNames } from './identity';
import { type CfnTemplate, constructPathOf, normalizeResources, normalizeValue } from './normalize';

/** The synthesized stacks of one environment, keyed by stack id within its stage (`Storage`). */
export interface EnvironmentTemplates {
  readonly environment: EnvironmentConfig;
  readonly stacks: Readonly<Record<string, CfnTemplate>>;
}

/** The path of the row that says whether a resource exists at all. */
export const EXISTS = '(exists)';
/** The value of a property of a resource that an environment does not have. */
export const NO_RESOURCE = '(no resource)';

/** One property (or the existence of one resource) that is not the same in every environment. */
export interface ParityDifference {
  /** `Stack/LogicalId` (`Stack/Outputs.Id` for a template's other sections). */
  readonly resource: string;
  /** The construct path within the stage, for people (`Storage/Data/RawBucket`). */
  readonly constructPath: string;
  readonly resourceType: string;
  /** Flattened property path, `Type`, or `(exists)`. */
  readonly path: string;
  /**
   * Value per environment, names replaced by `<env>`: `undefined` where the resource has no such
   * property, `(no resource)` where the environment has no such resource; `yes` for `(exists)`.
   */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * The knobs that make it differ, found by rendering the reference with one knob group of an
   * environment at a time; undefined where not attributed, or undeclared.
   */
  readonly knob?: string;
  /** An environment is not what its knobs render here (see the violations). */
  readonly undeclared?: true;
}

/** A difference between an environment and the reference rendered with that environment's knob values. */
export interface ParityViolation {
  readonly environment: string;
  /** The stack id in the stage (`ChurnModel`). */
  readonly stack: string;
  /** The logical id (or `Outputs.<id>`, ... for a template's other sections). */
  readonly logicalId: string;
  readonly constructPath: string;
  readonly resourceType: string;
  /** Flattened property path, `Type`, or `(exists)`. */
  readonly path: string;
  /** The environment's value (`(no resource)` where it lacks the resource); names replaced by `<env>`. */
  readonly actual: unknown;
  /** The rendering's value, the same way. */
  readonly rendered: unknown;
}

export interface ParityResult {
  /** Environment names, in configuration order. */
  readonly environments: readonly string[];
  readonly reference: string;
  /** Number of resources per environment (after dropping CDK metadata). */
  readonly resourceCounts: Readonly<Record<string, number>>;
  /** Where the environments differ from one another, each with the knobs that make it differ. */
  readonly differences: readonly ParityDifference[];
  /** Where an environment is not the reference rendered with its knob values: each one fails the check. */
  readonly violations: readonly ParityViolation[];
  /** Seconds spent rendering each environment's counterfactual (the reference with its knob values). */
  readonly renderSeconds: Readonly<Record<string, number>>;
  /** Renderings made to attribute differences to knob groups, and their seconds in all. */
  readonly attribution?: { readonly renderings: number; readonly seconds: number };
}

/** One side of a comparison: templates, the identity they are normalized with, and a label. */
export interface ComparedTemplates {
  readonly label: string;
  readonly identity: NamedEnvironment & { readonly account: string; readonly region: string };
  readonly stacks: Readonly<Record<string, CfnTemplate>>;
}

/** What is replaced in every side's values: every environment's account and region. */
export interface Peers {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

interface CollectedEntry {
  readonly stack: string;
  readonly logicalId: string;
  constructPath: string;
  /** Flattened properties of each side that has the entry. */
  readonly props: Map<string, Map<string, unknown>>;
  readonly types: Map<string, string>;
  /** Each side's normalized entry as JSON: equal text needs no property-by-property comparison. */
  readonly texts: Map<string, string>;
}

/** Rows of a comparison: the values of each side, names replaced where the sides line up. */
export interface ComparedRow {
  readonly key: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly constructPath: string;
  readonly resourceType: string;
  readonly path: string;
  /** Per side label: the value, `undefined` for no such property, NO_RESOURCE for no such entry. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The sides that have the entry. */
  readonly present: readonly string[];
}

/** The key of a row, the same in every comparison: `Stack/LogicalId`, NUL, path. */
export const rowKey = (resource: string, path: string) => `${resource}\u0000${path}`;

/**
 * Compares sides (environments, or an environment and its rendering) entry by entry: whether each
 * resource (or output, parameter, ...) exists, and every property of it among the sides that
 * have it. With `everyLeaf`, an entry only some sides have also gives a row per property.
 */
export function compareTemplates(
  sides: readonly ComparedTemplates[],
  peers: Peers,
  options: { everyLeaf?: boolean } = {},
): { rows: ComparedRow[]; resourceCounts: Record<string, number> } {
  const labels = sides.map((s) => s.label);
  const entries = new Map<string, CollectedEntry>();
  const resourceCounts: Record<string, number> = {};
  for (const side of sides) {
    resourceCounts[side.label] = 0;
    for (const [stack, template] of Object.entries(side.stacks)) {
      const add = (logicalId: string, type: string, value: unknown, constructPath?: string) => {
        const key = `${stack}/${logicalId}`;
        const entry = entries.get(key) ?? {
          stack,
          logicalId,
          constructPath: key,
          props: new Map(),
          types: new Map(),
          texts: new Map(),
        };
        entry.constructPath = constructPath ?? entry.constructPath;
        entry.types.set(side.label, type);
        entry.props.set(side.label, flatten(value));
        entry.texts.set(side.label, JSON.stringify(value));
        entries.set(key, entry);
      };
      const normalized = normalizeResources(template, side.identity, peers.accounts, peers.regions);
      for (const [logicalId, resource] of Object.entries(normalized)) {
        resourceCounts[side.label]++;
        const original = template.Resources?.[logicalId];
        add(logicalId, resource.Type, resource, original && constructPathOf(original));
      }
      // The rest of the template: outputs (exports), parameters, conditions, rules, description.
      for (const [section, content] of Object.entries(template)) {
        if (section === 'Resources') continue;
        const value = normalizeValue(content, side.identity, peers.accounts, peers.regions);
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          for (const [id, item] of Object.entries(value)) add(`${section}.${id}`, section, item);
        } else {
          add(section, section, value);
        }
      }
    }
  }

  const named = Object.fromEntries(sides.map((s) => [s.label, s.identity]));
  const rows: ComparedRow[] = [];
  for (const [key, entry] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    const present = labels.filter((n) => entry.props.has(n));
    const base = {
      stack: entry.stack,
      logicalId: entry.logicalId,
      constructPath: entry.constructPath,
      resourceType: entry.types.get(present[0])!,
      present,
    };
    const partial = present.length !== labels.length;
    if (partial) {
      const values = Object.fromEntries(labels.map((n) => [n, entry.props.has(n) ? 'yes' : NO_RESOURCE]));
      rows.push({ ...base, key: rowKey(key, EXISTS), path: EXISTS, values });
    }
    if (!partial && new Set(entry.texts.values()).size === 1) continue;
    // Every property, among the sides that have the entry.
    const paths = new Set(present.flatMap((n) => [...entry.props.get(n)!.keys()]));
    for (const path of [...paths].sort()) {
      const raw = Object.fromEntries(present.map((n) => [n, entry.props.get(n)!.get(path)]));
      const equal = new Set(present.map((n) => JSON.stringify(raw[n]))).size === 1;
      const shown = equal ? raw : withoutNames(raw, named);
      const same = equal || new Set(present.map((n) => JSON.stringify(shown[n]))).size === 1;
      if (same && !(partial && options.everyLeaf)) continue;
      const values = Object.fromEntries(labels.map((n) => [n, n in shown ? shown[n] : NO_RESOURCE]));
      rows.push({ ...base, key: rowKey(key, path), path, values });
    }
  }
  return { rows, resourceCounts };
}
