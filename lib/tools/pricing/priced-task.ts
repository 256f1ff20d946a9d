import type { RegionPriceList } from './price-table';
import type { TemplateResource } from './template-resources';

/** A Task state as the cost estimate reads it from a template. */
export interface PricedTask {
  readonly name: string;
  readonly api: string;
  readonly parameters: unknown;
  /** The state's `TimeoutSeconds` (a number), a path when set at run time, or undefined. */
  readonly timeoutSeconds?: unknown;
  readonly stateMachine: TemplateResource;
  readonly resources: readonly TemplateResource[];
  readonly prices: RegionPriceList;
}
