import type { ListPrice, PriceLookup } from './price-table';

/** One line of an estimate: what is charged, how much of it, at what unit price. */
export interface CostLine {
  /** What is charged (`SageMaker endpoint instances ml.m5.large`). */
  readonly item: string;
  /** The construct paths of the resources it counts. */
  readonly resources: readonly string[];
  /** Billing units, in the price's unit (2 instances for a month: 1460 instance-hours). */
  readonly quantity: number;
  /** How the quantity is made, for people (`2 × 730 h`). */
  readonly quantityText: string;
  /** The unit price; undefined when the table has none (see `missing`). */
  readonly price?: ListPrice;
  /** `quantity × price.usd`; undefined when the price is missing. */
  readonly usd?: number;
  /** Which price is missing, in a sentence. */
  readonly missing?: string;
  /** What the line assumes (an autoscaling minimum above the initial count, ...). */
  readonly note?: string;
}

/** A line priced from a lookup: its total, or the missing price. */
export function costLine(
  line: Omit<CostLine, 'price' | 'usd' | 'missing'>,
  lookup: PriceLookup | { readonly missing: string },
): CostLine {
  if ('missing' in lookup) return { ...line, missing: lookup.missing };
  return { ...line, price: lookup.price, usd: line.quantity * lookup.price.usd };
}

/** A line that cannot be priced: no quantity (`?`), and why (a sentence naming what is missing). */
export function unpricedLine(item: string, resource: string, missing: string): CostLine {
  return { item, resources: [resource], quantity: 0, quantityText: '?', missing };
}

/** The sum of the priced lines (a line with a missing price adds nothing: see `missingPrices`). */
export function totalUsd(lines: readonly { readonly usd?: number }[]): number {
  return lines.reduce((sum, line) => sum + (line.usd ?? 0), 0);
}

/** The missing prices of the lines, each once. */
export function missingPrices(lines: readonly { readonly missing?: string }[]): string[] {
  return [...new Set(lines.flatMap((line) => (line.missing ? [line.missing] : [])))];
}

/** `n thing` or `n things`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
