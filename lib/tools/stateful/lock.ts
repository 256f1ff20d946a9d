import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { deployableStacks } from '../../../cfn/template-intrinsics';
import { NAME_PROPERTIES, nameReader, physicalNames } from './physical-names';

/** Resource types that hold data, or keys to data: losing one loses data. */
export const STATEFUL_TYPES = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::Logs::LogGroup',
  'AWS::SageMaker::MlflowTrackingServer',
] as const;

/** What identifies a stateful resource: changing any of it deletes or replaces the resource. */
export interface LockedResource {
  readonly type: string;
  /** Its physical name where the template sets one (a key's aliases); absent when CloudFormation generates it. */
  readonly name?: string;
}

/** Per stack (`Prod/Storage`), its stateful resources by logical id. */
export type StatefulLock = Record<string, Record<string, LockedResource>>;

/** The stateful resources of every stack in the assembly. */
export function statefulResources(assembly: CloudAssembly): StatefulLock {
  const stacks = deployableStacks(assembly);
  const reader = nameReader(stacks);
  const lock: StatefulLock = {};
  for (const stack of [...stacks].sort((a, b) => a.id.localeCompare(b.id))) {
    const names = physicalNames(stack, reader);
    const resources = Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => (STATEFUL_TYPES as readonly string[]).includes(r.Type))
      .sort(([a], [b]) => a.localeCompare(b));
    if (resources.length > 0)
      lock[stack.id] = Object.fromEntries(
        resources.map(([id, r]) => [
          id,
          names[id] === undefined ? { type: r.Type } : { type: r.Type, name: names[id] },
        ]),
      );
  }
  return lock;
}

const UPDATE =
  'If this is deliberate, run `npm run stateful-lock -- --update` and commit stateful-resources.lock.json with the change.';

/**
 * What would happen to locked stateful resources: each problem says which resource, what changes
 * from what to what, why it matters, and how to accept the change deliberately.
 */
export function lockProblems(locked: StatefulLock, current: StatefulLock): string[] {
  const problems: string[] = [];
  for (const [stack, resources] of Object.entries(locked)) {
    for (const [id, was] of Object.entries(resources)) {
      const now = current[stack]?.[id];
      const path = `${stack}/${id}`;
      if (now === undefined) {
        problems.push(
          `${path} (${describe(was)}) would be deleted or replaced: it is no longer in the template, so CloudFormation ` +
            `removes it (or orphans it, when retained) and any renamed successor starts empty. ${UPDATE}`,
        );
      } else if (now.type !== was.type) {
        problems.push(
          `${path} changes type from ${was.type} to ${now.type}: CloudFormation replaces it and its data. ${UPDATE}`,
        );
      } else if (now.name !== was.name) {
        problems.push(`${path} (${was.type}) ${renameConsequence(was, now)} ${UPDATE}`);
      }
    }
  }
  for (const [stack, resources] of Object.entries(current)) {
    for (const [id, now] of Object.entries(resources)) {
      if (locked[stack]?.[id] === undefined) {
        problems.push(`${stack}/${id} (${describe(now)}) is stateful but not locked yet. ${UPDATE}`);
      }
    }
  }
  return problems;
}

function describe(resource: LockedResource): string {
  return resource.name === undefined ? resource.type : `${resource.type} ${resource.name}`;
}

function shown(name: string | undefined): string {
  return name === undefined ? '(none: CloudFormation generates one)' : name;
}

/** What a changed physical name does, in the words of the lock's other problems. */
function renameConsequence(was: LockedResource, now: LockedResource): string {
  const change = `${NAME_PROPERTIES[was.type] ?? 'name'} changes from ${shown(was.name)} to ${shown(now.name)}`;
  if (was.type === 'AWS::KMS::Key') {
    // The key itself stays; what is replaced is the name people and tools reach its data by.
    return (
      `would delete or replace the alias that leads to its data: its ${change}; the key stays, but whatever ` +
      `finds it by the old alias can no longer decrypt what it encrypted.`
    );
  }
  return (
    `would delete or replace data: its ${change}, so CloudFormation creates a new, empty resource and ` +
    `deletes the old one (or orphans it, when retained).`
  );
}
