import { asObject } from '../../../cfn/json-values';
import type { ListPrice, RegionPriceList } from '../pricing/price-table';
import type { TemplateResource } from '../pricing/template-resources';

/** What one Athena query of a workgroup costs: at least, and at most (its scan limit). */
export interface AthenaQueryCost {
  /** The workgroup's construct path. */
  readonly workGroup: string;
  /** The workgroup's name (`acme-dev`). */
  readonly name?: string;
  /** The bytes a query may scan before Athena cancels it; undefined: no limit. */
  readonly bytesScannedCutoffPerQuery?: number;
  readonly price?: ListPrice;
  /** A query that scans Athena's 10 MB minimum, or less. */
  readonly minimumUsd?: number;
  /** A query that scans up to the workgroup's limit; undefined when the workgroup sets none. */
  readonly boundUsd?: number;
  readonly missing?: string;
}

/** Athena bills at least 10 MB per query (https://aws.amazon.com/athena/pricing/). */
export const ATHENA_MINIMUM_BYTES = 10_000_000;
/** A TB as the price counts it (decimal: the larger figure per byte). */
export const BYTES_PER_TB = 1e12;

/**
 * Each Athena workgroup, priced per query: Athena bills the bytes a query scans
 * (`max(10 MB, bytes) / 1 TB × price`), and the workgroup's `BytesScannedCutoffPerQuery` cancels a
 * query that scans more. How many queries run (the dbt build's models and tests) and how much
 * they scan depends on the data, not the templates, so no total is made: a query's minimum and
 * bound are. A workgroup of Apache Spark (billed per DPU-hour) is not estimated.
 */
export function athenaQueryCosts(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
): AthenaQueryCost[] {
  return resources
    .filter((r) => r.type === 'AWS::Athena::WorkGroup')
    .map((workGroup) => {
      const config = asObject(workGroup.properties.WorkGroupConfiguration) ?? {};
      const name = workGroup.properties.Name;
      const cutoff = config.BytesScannedCutoffPerQuery;
      const engine = asObject(config.EngineVersion)?.SelectedEngineVersion;
      const base = {
        workGroup: workGroup.path,
        ...(typeof name === 'string' ? { name } : {}),
        ...(typeof cutoff === 'number' ? { bytesScannedCutoffPerQuery: cutoff } : {}),
      };
      if (typeof engine === 'string' && /spark/i.test(engine)) {
        return {
          ...base,
          missing: `${workGroup.path}: an Athena workgroup for Apache Spark (${engine}) is billed per DPU-hour, which is not estimated`,
        };
      }
      const lookup = prices.get('athenaScan');
      if ('missing' in lookup) return { ...base, missing: `${workGroup.path}: ${lookup.missing}` };
      const usdOf = (bytes: number) =>
        (Math.max(ATHENA_MINIMUM_BYTES, bytes) / BYTES_PER_TB) * lookup.price.usd;
      return {
        ...base,
        price: lookup.price,
        minimumUsd: usdOf(0),
        ...(typeof cutoff === 'number' ? { boundUsd: usdOf(cutoff) } : {}),
      };
    });
}
