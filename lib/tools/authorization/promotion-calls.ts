import { DatasetLayout } from '../../../constructs';
import { accountRoot, s3Arn } from '../calls/arns';
import { parseS3Uri } from '../../ops/s3-uri';
import type { DeployedStage } from '../calls/deployed-assembly';
import { registryReads } from './environment-reads';
import { packageObjects, type Registration } from './model-registrations';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { RunTimeCall } from '../calls/run-time-call';
import { type Caller, s3ReadCalls, s3WriteCalls } from '../calls/s3-object-calls';

/** A role of the next environment's account other than its promotion role, with every permission. */
const OTHER_ROLE_NAME = 'administrator';

/** Where a promotion into an environment runs and writes, as its configuration names them. */
export interface PromotionTarget {
  /** The role `mlenv promote` assumes there. */
  readonly roleArn: string;
  /** Where the environment publishes its names for the CLI (`/<project>/<env>`). */
  readonly parameterPath: string;
  /** Its models bucket. */
  readonly modelsBucket: string;
  /** The ARN of a model's package group there. */
  groupArnOf(model: string): string;
}

/** The calls of promotions, split by whether the policies must allow them. */
export interface PromotionCalls {
  /**
   * Each registered package promoted into the environment after its own in the promotion order,
   * as `mlenv promote` calls: the target's account assumes the target's promotion role, which
   * reads the target's names, the source's registry and the package's objects (at the version the
   * package records), puts the objects into the target's models bucket (`If-None-Match: *`) and
   * registers the package in the target's group.
   */
  readonly allowed: RunTimeCall[];
  /**
   * The same reads of a source by anyone but the next environment's promotion role: an
   * administrator of every other account (the next one's included, as its root and as another
   * role of it), the promotion role of the environment after the next; the promotion role
   * reaching beyond what a promotion needs (writing to or registering in the source, reading its
   * raw data); and any put under a run's prefix without `If-None-Match` (an overwrite), by the
   * promotion role or an administrator of the target's account.
   */
  readonly denied: RunTimeCall[];
}

/**
 * The calls of promoting each package the sample runs register (`registrations`) along
 * `promotion` (stage ids in order); `targetOf` says where a promotion into a stage runs.
 */
export function promotionCalls(
  inventory: PolicyInventory,
  registrations: readonly Registration[],
  promotion: readonly string[],
  targetOf: (stage: DeployedStage) => PromotionTarget,
): PromotionCalls {
  const { stages } = inventory.deployed;
  /** The stage `steps` after `stage` in the promotion order, if there is one. */
  const later = (stage: DeployedStage, steps: number) => {
    const index = promotion.indexOf(stage.id);
    return index < 0 ? [] : stages.filter((s) => s.id === promotion[index + steps]);
  };
  const result: PromotionCalls = { allowed: [], denied: [] };
  for (const registration of registrations) {
    const source = registration.stage;
    const sourceGroup = [...inventory.modelPackageGroups.values()].find(
      (g) => g.stage === source && g.name === registration.groupName,
    );
    const objects = packageObjects(registration);
    const model = parseS3Uri(objects[0]).key.split('/')[0];
    for (const target of later(source, 1)) {
      const { roleArn, parameterPath, modelsBucket, groupArnOf } = targetOf(target);
      const origin = `promotion of ${model} from ${source.id} to ${target.id}`;
      const inTarget: Caller = { stage: target.id, principal: roleArn, originPath: origin, origin };
      const ofSource: Caller = { ...inTarget, stage: source.id };
      const targetGroup = groupArnOf(model);
      const targetPackages = targetGroup.replace(':model-package-group/', ':model-package/');
      result.allowed.push(
        {
          ...inTarget,
          principal: accountRoot(target.partition, target.account),
          action: 'sts:AssumeRole',
          resource: roleArn,
        },
        {
          ...inTarget,
          action: 'ssm:GetParametersByPath',
          resource: `arn:${target.partition}:ssm:${target.region}:${target.account}:parameter${parameterPath}`,
        },
        ...(sourceGroup ? registryReads(sourceGroup.arn, ofSource) : []),
        ...objects.flatMap((uri) => {
          const { key } = parseS3Uri(uri);
          const copy = `s3://${modelsBucket}/${key}`;
          return [
            ...s3ReadCalls(inventory, ofSource, uri),
            // The object at the version the package records.
            {
              ...ofSource,
              action: 's3:GetObjectVersion',
              resource: s3Arn(source.partition, parseS3Uri(uri).bucket, key),
            },
            {
              ...inTarget,
              action: 's3:ListBucket',
              resource: s3Arn(target.partition, modelsBucket),
              context: { 's3:prefix': key },
            },
            { ...inTarget, action: 's3:GetObject', resource: s3Arn(target.partition, modelsBucket, key) },
            ...s3WriteCalls(inventory, inTarget, copy, undefined, { ifNoneMatch: true }),
          ];
        }),
        { ...inTarget, action: 'sagemaker:ListModelPackages', resource: `${targetPackages}/*` },
        {
          ...inTarget,
          action: 'sagemaker:CreateModelPackage',
          resource: `${targetPackages}/1`,
          context: { 'sagemaker:ModelApprovalStatus': 'Approved' },
        },
      );
      // The promotion role reaches nothing else of the source: no writes, no registrations, no raw data.
      const sourceBucket = parseS3Uri(objects[0]).bucket;
      const raw = [...inventory.buckets.values()].find(
        (b) => b.stage === source && b.resource && b.name.endsWith('-raw'),
      );
      // Run objects are written once: an overwrite (a put without If-None-Match) is refused to the
      // promotion role and to an administrator of the target's account alike.
      const overwrite = `s3://${modelsBucket}/${parseS3Uri(objects[0]).key}`;
      const targetAdministrator: Caller = {
        ...inTarget,
        principal: accountRoot(target.partition, target.account),
        origin: `${origin}: an administrator of ${target.account} overwriting`,
      };
      result.denied.push(
        ...s3WriteCalls(inventory, { ...inTarget, origin: `${origin}: overwriting` }, overwrite).slice(0, 1),
        ...s3WriteCalls(inventory, targetAdministrator, overwrite).slice(0, 1),
        ...s3WriteCalls(inventory, ofSource, `s3://${sourceBucket}/${parseS3Uri(objects[0]).key}`),
        ...(sourceGroup
          ? [
              {
                ...ofSource,
                action: 'sagemaker:CreateModelPackage',
                resource: `${sourceGroup.arn.replace(':model-package-group/', ':model-package/')}/1`,
              },
            ]
          : []),
        ...(raw
          ? s3ReadCalls(
              inventory,
              ofSource,
              `s3://${raw.name}/${DatasetLayout.versionDir(model, 'v')}/part.csv`,
            )
          : []),
      );
    }
    // Nobody but the next environment's promotion role reads the source: not an administrator of
    // any other account (the next one's included, as its root or as another of its roles), not
    // the promotion role of the environment after the next.
    const readsBy = (caller: Caller) => [
      ...(sourceGroup ? registryReads(sourceGroup.arn, caller) : []),
      ...objects.flatMap((uri) => s3ReadCalls(inventory, caller, uri)),
    ];
    const as = (
      principal: string,
      who: string,
      administrator = false,
    ): Caller & { administrator?: boolean } => {
      const origin = `promotion from ${source.id} read by ${who}`;
      return {
        stage: source.id,
        principal,
        originPath: origin,
        origin,
        ...(administrator ? { administrator } : {}),
      };
    };
    for (const account of new Set(stages.map((s) => s.account))) {
      if (account === source.account) continue;
      result.denied.push(...readsBy(as(accountRoot(source.partition, account), `account ${account}`)));
    }
    for (const next of later(source, 1).filter((s) => s.account !== source.account)) {
      const other = `arn:${next.partition}:iam::${next.account}:role/${OTHER_ROLE_NAME}`;
      result.denied.push(
        ...readsBy(as(other, `another role of ${next.id}'s account, an administrator`, true)),
      );
    }
    for (const afterNext of later(source, 2)) {
      const { roleArn } = targetOf(afterNext);
      result.denied.push(
        ...readsBy(as(roleArn, `${afterNext.id}'s promotion role (after the next environment)`)),
      );
    }
  }
  return result;
}
