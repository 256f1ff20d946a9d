import { s3Arn } from '../calls/arns';
import type { DeployedStage } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { RunTimeCall } from '../calls/run-time-call';

/**
 * Reading what an environment keeps: an object under each model's prefix of each of its buckets
 * and the bucket's listing, each of its keys (`kms:Decrypt`), and each of its model package
 * groups (the group, a package, the list of packages).
 */
export function environmentReads(
  inventory: PolicyInventory,
  target: DeployedStage,
  models: readonly string[],
  caller: Pick<RunTimeCall, 'stage' | 'principal' | 'origin' | 'originPath'>,
): RunTimeCall[] {
  const calls: RunTimeCall[] = [];
  for (const bucket of inventory.buckets.values()) {
    if (bucket.stage !== target || !bucket.resource) continue; // the bootstrap's buckets are not the environment's
    for (const model of models) {
      calls.push({
        ...caller,
        action: 's3:GetObject',
        resource: s3Arn(target.partition, bucket.name, `${model}/part-00000`),
      });
    }
    calls.push({ ...caller, action: 's3:ListBucket', resource: bucket.arn });
  }
  for (const key of inventory.keys.values()) {
    if (key.stage === target && key.inAssembly)
      calls.push({ ...caller, action: 'kms:Decrypt', resource: key.arn });
  }
  for (const group of inventory.modelPackageGroups.values()) {
    if (group.stage === target) calls.push(...registryReads(group.arn, caller));
  }
  return calls;
}

/** Reading a model package group: the group, a package of it, the list of its packages. */
export function registryReads(
  groupArn: string,
  caller: Pick<RunTimeCall, 'stage' | 'principal' | 'origin' | 'originPath'>,
): RunTimeCall[] {
  const packages = groupArn.replace(':model-package-group/', ':model-package/');
  return [
    { ...caller, action: 'sagemaker:DescribeModelPackageGroup', resource: groupArn },
    { ...caller, action: 'sagemaker:DescribeModelPackage', resource: `${packages}/1` },
    { ...caller, action: 'sagemaker:ListModelPackages', resource: `${packages}/*` },
  ];
}
