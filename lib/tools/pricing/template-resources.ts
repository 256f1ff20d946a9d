import { asObject, type JsonObject } from '../../../cfn/json-values';
import { TemplateReader } from '../../../cfn/template-reader';
import { stateMachineDefinition } from '../../../cfn/undeployed-definitions';
import { type CfnTemplate, constructPathOf } from '../../../cfn/cfn-template';

/** The synthesized templates of one environment, and where it deploys. */
export interface EnvironmentTemplatesInput {
  /** The environment's name (`staging`). */
  readonly name: string;
  readonly region: string;
  /** Its templates, by stack id within its stage (`Serving`). */
  readonly stacks: Readonly<Record<string, CfnTemplate>>;
}

/** A resource of an environment's templates, as the estimate reads it. */
export interface TemplateResource {
  /** The stack id within the stage (`Serving`). */
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: JsonObject;
  /** Its construct path within the stage (`Serving/ChurnEndpoint/Config`), or `<stack>/<logicalId>`. */
  readonly path: string;
}

/** Every resource of the environment's templates. */
export function templateResources(stacks: Readonly<Record<string, CfnTemplate>>): TemplateResource[] {
  return Object.entries(stacks).flatMap(([stack, template]) =>
    Object.entries(template.Resources ?? {}).map(([logicalId, resource]) => ({
      stack,
      logicalId,
      type: resource.Type,
      properties: asObject(resource.Properties) ?? {},
      path: constructPathOf(resource) ?? `${stack}/${logicalId}`,
    })),
  );
}

/** The logical id a `Ref` or `Fn::GetAtt` names, if `value` is one. */
export function referencedLogicalId(value: unknown): string | undefined {
  const object = asObject(value);
  if (!object) return undefined;
  if (typeof object.Ref === 'string') return object.Ref;
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical id that a `Ref` or `Fn::GetAtt` anywhere inside `value` names. */
export function referencedLogicalIds(value: unknown): string[] {
  const own = referencedLogicalId(value);
  if (own) return [own];
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  return Object.values(asObject(value) ?? {}).flatMap(referencedLogicalIds);
}

/** Joins text (`Fn::Join`) and writes each other token as `{<logical id>}` (or `{?}`). */
const REFERENCES_AS_TEXT = TemplateReader.withoutDeployment(
  (token) => `{${referencedLogicalId(token) ?? '?'}}`,
);

/** `value` as text, references written `{<logical id>}`: `endpoint/{ChurnEndpoint4C9D736B}/variant/AllTraffic`. */
export function textWithReferences(value: unknown): string | undefined {
  const text = REFERENCES_AS_TEXT.resolve(value);
  return typeof text === 'string' ? text : undefined;
}

/**
 * The parsed definition of a state machine, each token of a `Fn::Join`ed definition written
 * `{<logical id>}` (so that the resources its tasks name can be found); where that is not JSON (a
 * token where a number goes), each token is `0`. Undefined when it cannot be read.
 */
export function definitionWithReferences(properties: JsonObject): JsonObject | undefined {
  return REFERENCES_AS_TEXT.stateMachineDefinition(properties) ?? stateMachineDefinition(properties);
}

/** The resource of `from`'s stack that `text` (`{<logical id>}`, see `textWithReferences`) stands for. */
export function resourceWrittenAs(
  resources: readonly TemplateResource[],
  from: TemplateResource,
  text: string,
): TemplateResource | undefined {
  const id = /^\{([^}]+)\}$/.exec(text)?.[1];
  return id === undefined ? undefined : resources.find((r) => r.stack === from.stack && r.logicalId === id);
}

/** The resource of the same stack that `value` (a `Ref` or `Fn::GetAtt`) names. */
export function resourceNamedBy(
  resources: readonly TemplateResource[],
  from: TemplateResource,
  value: unknown,
): TemplateResource | undefined {
  const id = referencedLogicalId(value);
  return id === undefined ? undefined : resources.find((r) => r.stack === from.stack && r.logicalId === id);
}
