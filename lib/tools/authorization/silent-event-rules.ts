import { asList, asObject } from '../../../cfn/json-values';
import type { DeployedAssembly } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';

/**
 * Rules that match S3 events of a bucket that does not send its events to EventBridge: such a
 * rule never fires (S3 sends events to EventBridge only where the bucket's notification
 * configuration turns it on).
 */
export function silentS3EventRules(deployed: DeployedAssembly, inventory: PolicyInventory): string[] {
  return deployed.ofType('AWS::Events::Rule').flatMap((rule) => {
    const pattern = asObject(rule.properties.EventPattern);
    if (!asList(pattern?.source).includes('aws.s3')) return [];
    const buckets = asList(asObject(asObject(asObject(pattern?.detail)?.bucket))?.name);
    return buckets
      .filter((name) => typeof name === 'string' && inventory.buckets.get(name)?.eventBridgeEnabled !== true)
      .map(
        (name) => `${rule.stage.id}/${rule.path}: bucket ${String(name)} does not send events to EventBridge`,
      );
  });
}
