import type { RegionPriceList } from './price-table';
import type { TemplateResource } from './template-resources';

/** A Task state as the cost estimate reads it from a template. */
export interface PricedTask {
  readonly name: string;
  readonly api: string;
  readonly parameters: unknown;
  readonly stateMachine: TemplateResource;
  readonly resources: readonly TemplateResource[];
  readonly prices: RegionPriceList;
}
