import { environments } from '../../config/environments';

/** A deep copy of the committed configuration, loosely typed so tests can break it. */
export function configInput(): { project: string; environments: Record<string, Record<string, unknown>> } {
  return structuredClone(environments) as never;
}
