import type { JsonObject } from '../../../cfn/json-values';
import { DYNAMIC, valueAt } from '../../../cfn/value-at';
import { resourceWrittenAs, type TemplateResource } from './template-resources';

/**
 * The resource a Task state names in its parameter `field` (a Glue job's `JobName`, a CodeBuild
 * project's `ProjectName`), of CloudFormation type `type`: by the reference the template wrote,
 * else by its `Name`; or why it cannot be found (named at run time, not named, not in the templates).
 */
export function taskTarget(
  parameters: JsonObject,
  field: string,
  type: string,
  what: string,
  stateMachine: TemplateResource,
  resources: readonly TemplateResource[],
): TemplateResource | { readonly why: string } {
  const name = valueAt(parameters, field);
  if (typeof name !== 'string') {
    return { why: name === DYNAMIC ? `its ${what} is named at run time` : `it names no ${what}` };
  }
  const target =
    resourceWrittenAs(resources, stateMachine, name) ??
    resources.find((r) => r.type === type && r.properties.Name === name);
  return target?.type === type
    ? target
    : { why: `its ${what} ${name} is not in these templates, so it cannot be priced` };
}

/**
 * What keeps a worst case from being priced: each `[value, expected type, what]` whose value is
 * not of its type, as "its <what> is set at run time" or "... is not in the template".
 */
export function settingProblems(settings: ReadonlyArray<readonly [unknown, string, string]>): string[] {
  return settings
    .filter(([value, type]) => typeof value !== type)
    .map(([value, , what]) =>
      value === DYNAMIC ? `its ${what} is set at run time` : `its ${what} is not in the template`,
    );
}
