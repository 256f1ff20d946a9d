import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { EnvironmentConfig, MlEnvConfig } from '../../../config';
import { attributeDifferences, knobLabel } from './attribute';
import { recoverCodeVersion, withCodeVersion } from './code-version';
import {
  type ComparedTemplates,
  compareTemplates,
  type ParityDifference,
  type ParityResult,
  type ParityViolation,
  type Peers,
  rowKey,
} from './compare';
import { counterfactual, differingGroups } from './knob-values';
import { StageRenderer } from './render';
import { environmentTemplates } from './templates';

export interface ParityOptions {
  /**
   * Attribute each difference between the environments to the knob groups that make it (one
   * rendering per distinct value of a group that differs from the reference's).
   * @default true
   */
  readonly explain?: boolean;
}

/**
 * Checks that each environment of the assembly is exactly the reference environment rendered with
 * its knob values (and the reference's identity), after normalizing identities; then, unless
 * `explain` is false, attributes every difference between the environments to knob groups.
 */
export function checkParity(
  assembly: CloudAssembly,
  config: MlEnvConfig,
  options: ParityOptions = {},
): ParityResult {
  const actual = environmentTemplates(assembly, config);
  const reference = config.environments.find((e) => e.name === config.reference)!;
  const peers: Peers = {
    accounts: config.environments.map((e) => e.account),
    regions: config.environments.map((e) => e.region),
  };
  const renderer = new StageRenderer(config);
  try {
    const referenceTemplates = actual.find((t) => t.environment.name === reference.name)!.stacks;
    const codeVersion = recoverCodeVersion(referenceTemplates, renderer.render(reference));
    const render = (env: EnvironmentConfig) => withCodeVersion(renderer.render(env), codeVersion);
    const side = (label: string, env: EnvironmentConfig, stacks: ComparedTemplates['stacks']) => ({
      label,
      identity: env,
      stacks,
    });

    const renderSeconds: Record<string, number> = {};
    const violations: ParityViolation[] = [];
    for (const { environment, stacks } of actual) {
      const rendered = counterfactual(reference, environment);
      const rendering = render(rendered);
      renderSeconds[environment.name] = renderer.secondsOf(rendered);
      const { rows } = compareTemplates(
        [side('actual', environment, stacks), side('rendered', reference, rendering)],
        peers,
      );
      violations.push(
        ...rows.map((row) => ({
          environment: environment.name,
          stack: row.stack,
          logicalId: row.logicalId,
          constructPath: row.constructPath,
          resourceType: row.resourceType,
          path: row.path,
          actual: row.values.actual,
          rendered: row.values.rendered,
        })),
      );
    }

    const { rows, resourceCounts } = compareTemplates(
      actual.map((t) => side(t.environment.name, t.environment, t.stacks)),
      peers,
    );
    const undeclared = new Set(violations.map((v) => rowKey(`${v.stack}/${v.logicalId}`, v.path)));
    const attributionStart = renderer.seconds.length;
    const attribution =
      options.explain === false
        ? undefined
        : attributeDifferences(config.environments, reference, render, peers);
    const groupsOf = (name: string) =>
      differingGroups(
        reference,
        config.environments.find((e) => e.name === name)!,
      );
    const differences: ParityDifference[] = rows.map((row) => ({
      resource: `${row.stack}/${row.logicalId}`,
      constructPath: row.constructPath,
      resourceType: row.resourceType,
      path: row.path,
      values: row.values,
      ...(undeclared.has(row.key) ? { undeclared: true as const } : {}),
      ...(undeclared.has(row.key) || !attribution
        ? {}
        : { knob: knobLabel(row, reference, attribution, groupsOf) }),
    }));
    const attributionSeconds = renderer.seconds.slice(attributionStart);
    return {
      environments: config.environments.map((e) => e.name),
      reference: reference.name,
      resourceCounts,
      differences,
      violations,
      renderSeconds,
      ...(attribution
        ? {
            attribution: {
              renderings: attributionSeconds.length,
              seconds: attributionSeconds.reduce((a, b) => a + b, 0),
            },
          }
        : {}),
    };
  } finally {
    renderer.dispose();
  }
}
