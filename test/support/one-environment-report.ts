import type { EnvironmentCost } from '../../lib/tools/cost/estimate';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import type { CostReport } from '../../lib/tools/cost/run';

/** The cost report of one estimated environment, `test` in `region`, at the checked-in table's basis. */
export function oneEnvironmentReport(estimate: EnvironmentCost, region: string): CostReport {
  return {
    currency: PRICE_TABLE.currency,
    basis: PRICE_TABLE.basis,
    hoursPerMonth: PRICE_TABLE.hoursPerMonth,
    spotTrainingDiscount: PRICE_TABLE.spotTrainingDiscount,
    environments: [{ environment: 'test', region, emulated: false, estimate, unservedModels: [] }],
    missing: estimate.missing,
  };
}
