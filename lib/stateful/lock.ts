import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** Resource types that hold data, or keys to data: losing one loses data. */
export const STATEFUL_TYPES = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::Logs::LogGroup',
] as const;

/** Per stack (`Prod/Storage`), the logical ids of its stateful resources and their types. */
export type StatefulLock = Record<string, Record<string, string>>;

/** The stateful resources of every stack in the assembly. */
export function statefulResources(assembly: CloudAssembly): StatefulLock {
  const lock: StatefulLock = {};
  for (const stack of [...assembly.stacksRecursively].sort((a, b) =>
    a.hierarchicalId.localeCompare(b.hierarchicalId),
  )) {
    const resources = Object.entries((stack.template.Resources ?? {}) as Record<string, { Type: string }>)
      .filter(([, r]) => (STATEFUL_TYPES as readonly string[]).includes(r.Type))
      .sort(([a], [b]) => a.localeCompare(b));
    if (resources.length > 0)
      lock[stack.hierarchicalId] = Object.fromEntries(resources.map(([id, r]) => [id, r.Type]));
  }
  return lock;
}

/**
 * What would happen to locked stateful resources: each problem says which resource, why it
 * matters, and how to accept the change deliberately.
 */
export function lockProblems(locked: StatefulLock, current: StatefulLock): string[] {
  const problems: string[] = [];
  const update =
    'If this is deliberate, run `npm run stateful-lock -- --update` and commit stateful-resources.lock.json with the change.';
  for (const [stack, resources] of Object.entries(locked)) {
    for (const [id, type] of Object.entries(resources)) {
      const now = current[stack]?.[id];
      if (now === undefined) {
        problems.push(
          `${stack}/${id} (${type}) would be deleted or replaced: it is no longer in the template, so CloudFormation ` +
            `removes it (or orphans it, when retained) and any renamed successor starts empty. ${update}`,
        );
      } else if (now !== type) {
        problems.push(
          `${stack}/${id} changes type from ${type} to ${now}: CloudFormation replaces it and its data. ${update}`,
        );
      }
    }
  }
  for (const [stack, resources] of Object.entries(current)) {
    for (const [id, type] of Object.entries(resources)) {
      if (locked[stack]?.[id] === undefined) {
        problems.push(`${stack}/${id} (${type}) is stateful but not locked yet. ${update}`);
      }
    }
  }
  return problems;
}
