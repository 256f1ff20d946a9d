import { accountRoot, parseS3Uri } from './arns';
import type { DeployedStage } from './deployed-assembly';
import { registryReads } from './environment-reads';
import { packageObjects, type Registration } from './model-registrations';
import type { PolicyInventory } from './policy-inventory';
import type { RunTimeCall } from './run-time-call';
import { s3ReadCalls } from './s3-object-calls';

/** The reads a promotion makes, split by whether the reader is the next environment. */
export interface PromotionCalls {
  /** The next environment's account reading the registry and the package's objects. */
  readonly allowed: RunTimeCall[];
  /** Every other environment's account making the same reads. */
  readonly denied: RunTimeCall[];
}

/**
 * A promotion copies a registered package (its registry entry, model data, metrics and drift
 * baselines) from one environment to the next in `promotion` (stage ids in order). So each
 * environment's registry and package objects must be readable by the next environment's account,
 * and by no other environment's account; the last environment's, and those of environments
 * outside the order, by none.
 */
export function promotionCalls(
  inventory: PolicyInventory,
  registrations: readonly Registration[],
  promotion: readonly string[],
): PromotionCalls {
  const { stages } = inventory.deployed;
  const next = (stage: DeployedStage): DeployedStage | undefined => {
    const index = promotion.indexOf(stage.id);
    return index < 0 ? undefined : stages.find((s) => s.id === promotion[index + 1]);
  };
  const readers = (owner: DeployedStage) =>
    [...new Set(stages.map((s) => s.account))]
      .filter((account) => account !== owner.account)
      .map((account) => ({
        account,
        allowed: next(owner)?.account === account,
        caller: {
          stage: owner.id,
          principal: accountRoot(owner.partition, account),
          originPath: `promotion from ${owner.id}`,
          origin: `promotion from ${owner.id} read by account ${account}`,
        },
      }));
  const result: PromotionCalls = { allowed: [], denied: [] };
  for (const group of inventory.modelPackageGroups.values()) {
    for (const reader of readers(group.stage)) {
      (reader.allowed ? result.allowed : result.denied).push(...registryReads(group.arn, reader.caller));
    }
  }
  for (const registration of registrations) {
    for (const reader of readers(registration.stage)) {
      const reads = packageObjects(registration).flatMap((uri) =>
        s3ReadCalls(inventory, reader.caller, uri).map((call) => ({
          ...call,
          origin: `${call.origin} (${parseS3Uri(uri).key})`,
        })),
      );
      (reader.allowed ? result.allowed : result.denied).push(...reads);
    }
  }
  return result;
}
