import { isDeepStrictEqual } from 'node:util';
import type { EnvironmentConfig, KnobEffect } from '../../config';
import { flatten } from './flatten';
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
  /** `Stack/LogicalId`. */
  readonly resource: string;
  /** The construct path within the stage, for people (`Storage/Data/RawBucket`). */
  readonly constructPath: string;
  readonly resourceType: string;
  /** Flattened property path, `Type`, or `(exists)`. */
  readonly path: string;
  /** Value per environment; `undefined` where the resource has no such property. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The knob that explains the difference, if one does. */
  readonly knob?: string;
}

export interface ParityResult {
  /** Environment names, in configuration order. */
  readonly environments: readonly string[];
  readonly reference: string;
  /** Number of resources per environment (after dropping CDK metadata). */
  readonly resourceCounts: Readonly<Record<string, number>>;
  readonly differences: readonly ParityDifference[];
  /** The differences no knob explains: each one fails the check. */
  readonly violations: readonly ParityDifference[];
}

/**
 * Compares every environment's resources property by property. A difference is explained by a
 * knob when the knob's declared effects cover the property and environments with equal knob
 * values have equal property values; anything else is a violation.
 */
export function compareEnvironments(
  envs: readonly EnvironmentTemplates[],
  effects: readonly KnobEffect[],
  reference: string,
): ParityResult {
  const names = envs.map((e) => e.environment.name);
  const resources = new Map<
    string,
    { type: Map<string, string>; props: Map<string, Map<string, unknown>>; path: string }
  >();
  const resourceCounts: Record<string, number> = {};

  const accounts = envs.map((e) => e.environment.account);
  for (const { environment, stacks } of envs) {
    resourceCounts[environment.name] = 0;
    for (const [stackId, template] of Object.entries(stacks)) {
      const normalized = normalizeResources(template, environment, accounts);
      for (const [logicalId, resource] of Object.entries(normalized)) {
        resourceCounts[environment.name]++;
        const key = `${stackId}/${logicalId}`;
        const entry = resources.get(key) ?? { type: new Map(), props: new Map(), path: key };
        const original = template.Resources?.[logicalId];
        entry.path = (original && constructPathOf(original)) ?? entry.path;
        entry.type.set(environment.name, resource.Type);
        entry.props.set(environment.name, flatten(resource));
        resources.set(key, entry);
      }
    }
  }

  // Knob values are compared normalized, as the templates are.
  const knobValues = (knob: string) =>
    Object.fromEntries(
      envs.map((e) => [
        e.environment.name,
        normalizeValue(valueAt(e.environment, knob), e.environment, accounts),
      ]),
    );

  const differences: ParityDifference[] = [];
  for (const [key, entry] of [...resources].sort(([a], [b]) => a.localeCompare(b))) {
    const resourceType = entry.type.get(reference) ?? [...entry.type.values()][0];
    const stackId = key.split('/')[0];
    const base = { resource: key, constructPath: entry.path, resourceType };
    const explain = (path: string, values: Record<string, unknown>): ParityDifference => {
      const covering = effects.filter(
        (e) =>
          (!e.resourceTypes || e.resourceTypes.includes(resourceType)) &&
          (!e.stacks || e.stacks.includes(stackId)) &&
          e.paths.some((p) => p.test(path)),
      );
      const knobs = covering.map((e) => e.knob);
      const together = Object.fromEntries(names.map((n) => [n, knobs.map((k) => knobValues(k)[n])]));
      const explained = knobs.length > 0 && followsKnob(values, together);
      const label = covering
        .map((e) => (e.divergence ? `${e.knob} (declared divergence)` : e.knob))
        .join(' + ');
      return { ...base, path, values, ...(explained ? { knob: label } : {}) };
    };

    if (entry.type.size !== names.length) {
      const values = Object.fromEntries(names.map((n) => [n, entry.type.has(n) ? 'yes' : NO_RESOURCE]));
      differences.push(explain(EXISTS, values));
      continue;
    }
    const paths = new Set([...entry.props.values()].flatMap((p) => [...p.keys()]));
    for (const path of [...paths].sort()) {
      const values = Object.fromEntries(names.map((n) => [n, entry.props.get(n)?.get(path)]));
      const distinct = new Set(Object.values(values).map((v) => JSON.stringify(v)));
      if (distinct.size > 1) differences.push(explain(path, values));
    }
  }

  return {
    environments: names,
    reference,
    resourceCounts,
    differences,
    violations: differences.filter((d) => d.knob === undefined),
  };
}

/** The value of a dotted field (`training.instanceType`) of an environment's settings. */
function valueAt(settings: object, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], settings);
}

/** True when every two environments with the same knob value also have the same property value. */
function followsKnob(values: Record<string, unknown>, knob: Record<string, unknown>): boolean {
  const envs = Object.keys(values);
  return envs.every((a) =>
    envs.every((b) => !isDeepStrictEqual(knob[a], knob[b]) || isDeepStrictEqual(values[a], values[b])),
  );
}
