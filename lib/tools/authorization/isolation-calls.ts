import { accountRoot, bucketOfS3Arn, isServicePrincipal } from '../calls/arns';
import { environmentReads } from './environment-reads';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { RunTimeCall } from '../calls/run-time-call';

/** Object actions whose key decides whose data is reached. */
const OBJECT_ACTIONS = new Set(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject']);

/**
 * Requests that must be denied because they cross a model's boundary: each allowed object request
 * of a role on a model's prefix (`<model>/...`) of an environment's bucket, made on every other
 * model's prefix instead, and on the look-alike `<model>x/` that a policy missing its slash
 * (`<model>*`) would let through.
 */
export function crossModelCalls(
  inventory: PolicyInventory,
  allowed: readonly RunTimeCall[],
  models: readonly string[],
): RunTimeCall[] {
  return allowed.flatMap((call) => {
    if (!OBJECT_ACTIONS.has(call.action) || isServicePrincipal(call.principal)) return [];
    const bucket = inventory.buckets.get(bucketOfS3Arn(call.resource) ?? '');
    if (!bucket?.resource) return [];
    const match = /^(arn:[^:]+:s3:::[^/]+\/)([^/]+)\/(.*)$/.exec(call.resource);
    if (!match || !models.includes(match[2])) return [];
    const [, bucketPart, model, rest] = match;
    return [...models.filter((m) => m !== model), `${model}x`].map((other) => ({
      ...call,
      context: undefined,
      resource: `${bucketPart}${other}/${rest}`,
      origin: `${call.origin} on the prefix of ${other}`,
    }));
  });
}

/**
 * Requests that must be denied because they cross an environment's boundary: every role of each
 * environment reading each other environment's buckets, keys and model registry.
 */
export function crossEnvironmentCalls(inventory: PolicyInventory, models: readonly string[]): RunTimeCall[] {
  const { stages } = inventory.deployed;
  return [...inventory.roles.values()].flatMap((role) =>
    stages
      .filter((target) => target !== role.stage)
      .flatMap((target) =>
        environmentReads(inventory, target, models, {
          stage: role.stage.id,
          principal: role.arn,
          originPath: role.resource.path,
          origin: `${role.resource.path} reading ${target.id}`,
        }),
      ),
  );
}

/**
 * Requests that must be denied because they come from an account no environment may trust: the
 * local emulator's placeholder account (a real account that belongs to someone else) reading any
 * other environment.
 */
export function untrustedAccountCalls(
  inventory: PolicyInventory,
  account: string,
  models: readonly string[],
): RunTimeCall[] {
  return inventory.deployed.stages
    .filter((target) => target.account !== account)
    .flatMap((target) =>
      environmentReads(inventory, target, models, {
        stage: target.id,
        principal: accountRoot(target.partition, account),
        originPath: `account ${account}`,
        origin: `account ${account} reading ${target.id}`,
      }),
    );
}

/**
 * Requests that must be denied because a service would act for another account's resource (the
 * confused deputy): each allowed request of a service principal made for one of the
 * environment's resources (`aws:SourceAccount`, `aws:SourceArn`, encryption context naming it),
 * made instead for the same resource in another environment's account (any other account shows
 * a missing condition; the first other one of the assembly is used).
 */
export function confusedDeputyCalls(
  inventory: PolicyInventory,
  allowed: readonly RunTimeCall[],
): RunTimeCall[] {
  const accounts = [...new Set(inventory.deployed.stages.map((s) => s.account))];
  return allowed.flatMap((call) => {
    const own = inventory.deployed.stages.find((s) => s.id === call.stage)?.account;
    const other = accounts.find((account) => account !== own);
    if (!isServicePrincipal(call.principal) || !own || !other || !call.context) return [];
    const namesOwnAccount = (value: unknown) =>
      typeof value === 'string' && (value === own || value.includes(`:${own}:`));
    if (!Object.values(call.context).some(namesOwnAccount)) return [];
    const elsewhere = (value: string | readonly string[]) =>
      typeof value === 'string'
        ? value === own
          ? other
          : value.split(`:${own}:`).join(`:${other}:`)
        : value;
    return [
      {
        ...call,
        context: Object.fromEntries(
          Object.entries(call.context).map(([key, value]) => [key, elsewhere(value)]),
        ),
        origin: `${call.origin} for account ${other}`,
      },
    ];
  });
}

/**
 * Requests that must be denied because they leave a role's own part of the data catalog: each
 * allowed Glue Data Catalog request of a role on a database of the assembly (the database, or a
 * table of it) and each Athena request on a workgroup of the assembly, made instead on every
 * other database or workgroup of the same environment, and on the look-alike `<name>x` that a
 * policy missing its separator (`database/<name>*`) would let through.
 */
export function crossCatalogCalls(
  inventory: PolicyInventory,
  allowed: readonly RunTimeCall[],
): RunTimeCall[] {
  const { deployed } = inventory;
  const namesOf = (stage: string, type: string, name: (properties: Record<string, unknown>) => unknown) =>
    deployed.resources
      .filter((r) => r.type === type && r.stage.id === stage)
      .map((r) => name(r.properties))
      .filter((n): n is string => typeof n === 'string');
  return allowed.flatMap((call) => {
    if (isServicePrincipal(call.principal)) return [];
    const glue = /^(arn:[^:]+:glue:[^:]+:\d{12}:)(database|table)\/([^/]+)(\/.*)?$/.exec(call.resource);
    const athena = /^(arn:[^:]+:athena:[^:]+:\d{12}:workgroup\/)([^/]+)$/.exec(call.resource);
    let others: string[];
    let rename: (other: string) => string;
    if (glue && call.action.startsWith('glue:')) {
      const [, prefix, kind, database, rest] = glue;
      const databases = namesOf(
        call.stage,
        'AWS::Glue::Database',
        (p) => (p.DatabaseInput as { Name?: unknown })?.Name,
      );
      if (!databases.includes(database)) return [];
      others = [...databases.filter((d) => d !== database), `${database}x`];
      rename = (other) => `${prefix}${kind}/${other}${rest ?? ''}`;
    } else if (athena && call.action.startsWith('athena:')) {
      const [, prefix, workGroup] = athena;
      const workGroups = namesOf(call.stage, 'AWS::Athena::WorkGroup', (p) => p.Name);
      if (!workGroups.includes(workGroup)) return [];
      others = [...workGroups.filter((w) => w !== workGroup), `${workGroup}x`];
      rename = (other) => `${prefix}${other}`;
    } else {
      return [];
    }
    return others.map((other) => ({
      ...call,
      context: undefined,
      resource: rename(other),
      origin: `${call.origin} on ${other}`,
    }));
  });
}

/**
 * Requests that must be denied because a service would assume a role for another of the
 * account's resources than the ones the role serves: each allowed AssumeRole of a service
 * principal that carries `aws:SourceArn`, made instead with the ARN of another kind of resource
 * of the same service, account and region (a training job for an endpoint's model, a job for a
 * monitoring schedule's role...). Roles whose trust names no source ARN are left out: they are the
 * documented exceptions (docs/guide/guardrails.md, "Service trust"), where the service does not send the key.
 */
export function otherSourceCalls(inventory: PolicyInventory, allowed: readonly RunTimeCall[]): RunTimeCall[] {
  return allowed.flatMap((call) => {
    const source = call.context?.['aws:SourceArn'];
    if (!isServicePrincipal(call.principal) || !/^sts:AssumeRole/.test(call.action)) return [];
    if (typeof source !== 'string') return [];
    const trust = JSON.stringify(inventory.roles.get(call.resource)?.trustPolicy.document ?? {});
    if (!trust.includes('aws:SourceArn')) return [];
    const match = /^(arn:[^:]+:[^:]+:[^:]*:[^:]*:)(.*)$/.exec(source);
    if (!match) return [];
    return [
      {
        ...call,
        context: { ...call.context, 'aws:SourceArn': `${match[1]}another-kind/of-resource` },
        origin: `${call.origin} for another resource of its account`,
      },
    ];
  });
}
