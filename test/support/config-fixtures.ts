import { environments } from '../../config/environments';

/** A deep copy of the committed configuration, loosely typed so tests can break it. */
export function configInput(): { project: string; environments: Record<string, Record<string, unknown>> } {
  return structuredClone(environments) as never;
}

/** A valid environment name that the configuration `input` does not use (for "an added environment" cases). */
export function unusedEnvironmentName(input: { environments: Record<string, unknown> }): string {
  for (let i = 0; ; i++) {
    const name = `qa${i || ''}`;
    if (!(name in input.environments)) return name;
  }
}
