import type { EnvironmentConfig, KnobEffect } from '../../config';
import { pascalCase } from '../../constructs/common/pascal-case';
import { explain } from './explain';
import { flatten } from './flatten';
import { withoutNames } from './identity';
import { type CfnTemplate, constructPathOf, normalizeResources } from './normalize';

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
  /**
   * Value per environment, names replaced by `<env>`: `undefined` where the resource has no such
   * property, `(no resource)` where the environment has no such resource; `yes` for `(exists)`.
   */
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

interface CollectedResource {
  constructPath: string;
  /** Flattened properties of each environment that has the resource. */
  readonly props: Map<string, Map<string, unknown>>;
  readonly types: Map<string, string>;
}

/**
 * Compares the environments' resources: whether each exists, and every property of it among the
 * environments that have it. A difference is a violation unless a knob effect explains it (see
 * `explain`).
 */
export function compareEnvironments(
  envs: readonly EnvironmentTemplates[],
  effects: readonly KnobEffect[],
  reference: string,
  models: readonly string[] = [],
): ParityResult {
  const names = envs.map((e) => e.environment.name);
  const accounts = envs.map((e) => e.environment.account);
  const resources = new Map<string, CollectedResource>();
  const resourceCounts: Record<string, number> = {};
  for (const { environment, stacks } of envs) {
    resourceCounts[environment.name] = 0;
    for (const [stackId, template] of Object.entries(stacks)) {
      const normalized = normalizeResources(template, environment, accounts);
      for (const [logicalId, resource] of Object.entries(normalized)) {
        resourceCounts[environment.name]++;
        const key = `${stackId}/${logicalId}`;
        const entry = resources.get(key) ?? { constructPath: key, props: new Map(), types: new Map() };
        const original = template.Resources?.[logicalId];
        entry.constructPath = (original && constructPathOf(original)) ?? entry.constructPath;
        entry.types.set(environment.name, resource.Type);
        entry.props.set(environment.name, flatten(resource));
        resources.set(key, entry);
      }
    }
  }

  const context = { envs: envs.map((e) => e.environment), effects, accounts };
  const named = Object.fromEntries(envs.map((e) => [e.environment.name, e.environment]));
  const differences: ParityDifference[] = [];
  for (const [key, entry] of [...resources].sort(([a], [b]) => a.localeCompare(b))) {
    const present = names.filter((n) => entry.props.has(n));
    const base = {
      resource: key,
      constructPath: entry.constructPath,
      resourceType: entry.types.get(reference) ?? entry.types.get(present[0])!,
    };
    const site = { constructPath: entry.constructPath, model: modelOf(entry.constructPath, models) };

    if (present.length !== names.length) {
      const exists = Object.fromEntries(names.map((n) => [n, entry.props.has(n)]));
      const knob = explain({ ...context, site: { ...site, path: EXISTS }, raw: exists, shown: exists });
      const values = Object.fromEntries(names.map((n) => [n, exists[n] ? 'yes' : NO_RESOURCE]));
      differences.push({ ...base, path: EXISTS, values, ...(knob ? { knob } : {}) });
    }
    // Every property, among the environments that have the resource.
    const paths = new Set(present.flatMap((n) => [...entry.props.get(n)!.keys()]));
    for (const path of [...paths].sort()) {
      const raw = Object.fromEntries(present.map((n) => [n, entry.props.get(n)!.get(path)]));
      const shown = withoutNames(raw, named);
      if (new Set(present.map((n) => JSON.stringify(shown[n]))).size === 1) continue;
      const knob = explain({ ...context, site: { ...site, path }, raw, shown });
      const values = Object.fromEntries(names.map((n) => [n, n in shown ? shown[n] : NO_RESOURCE]));
      differences.push({ ...base, path, values, ...(knob ? { knob } : {}) });
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

/** The model a construct belongs to: `churn` for `ChurnModel/ChurnEndpoint/Config` (longest name wins). */
function modelOf(constructPath: string, models: readonly string[]): string | undefined {
  const id = constructPath.split('/')[1] ?? '';
  return [...models].sort((a, b) => b.length - a.length).find((m) => id.startsWith(pascalCase(m)));
}
