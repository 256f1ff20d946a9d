import { readFileSync } from 'node:fs';
import type { IPolicyValidationContext } from 'aws-cdk-lib';

/** A JSON object of a synthesized template or state machine definition. */
export type JsonObject = Record<string, unknown>;

/** A resource of a synthesized template, as the policy rules see it. */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: JsonObject;
  /** From the resource's `aws:cdk:path` metadata, when the app writes it. */
  readonly constructPath?: string;
  readonly templatePath: string;
  /** The stack's account, when it is known at synth. */
  readonly stackAccount?: string;
}

/** Every resource of every template the validation context names. */
export function readResources(context: IPolicyValidationContext): TemplateResource[] {
  return context.stackTemplates.flatMap((stack) => {
    const template = JSON.parse(readFileSync(stack.templatePath, 'utf8')) as { Resources?: JsonObject };
    return Object.entries(template.Resources ?? {}).map(([logicalId, value]) => {
      const resource = asObject(value) ?? {};
      const path = asObject(resource.Metadata)?.['aws:cdk:path'];
      return {
        logicalId,
        type: String(resource.Type),
        properties: asObject(resource.Properties) ?? {},
        constructPath: typeof path === 'string' ? path : undefined,
        templatePath: stack.templatePath,
        stackAccount: stack.accountId,
      };
    });
  });
}

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** A list as a list, a single value as a list of one, nothing as an empty list. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A CloudFormation intrinsic (`Ref`, `Fn::...`): a value known only at deploy time. */
export function isIntrinsic(value: unknown): boolean {
  const keys = Object.keys(asObject(value) ?? {});
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** Stands for a setting a state gives at run time (`"Key.$": "$.path"`, or `"{% ... %}"`). */
export const DYNAMIC = Symbol('set at run time');

/**
 * The value at a dotted path (`'ResourceConfig.VolumeKmsKeyId'`), `DYNAMIC` when the state sets it
 * or one of its parents from a JSONPath or JSONata expression, or undefined.
 */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    const object = asObject(current);
    if (object === undefined) return undefined;
    if (object[`${key}.$`] !== undefined) return DYNAMIC;
    current = object[key];
    if (typeof current === 'string' && /^\{%[\s\S]*%\}$/.test(current.trim())) return DYNAMIC;
  }
  return current;
}

/**
 * Stands for each token of a `Fn::Join`ed definition: valid JSON both inside a string (an ARN, a
 * name) and where a number goes, and free of quotes and backslashes.
 */
const TOKEN_PLACEHOLDER = '0';

/**
 * The parsed definition of an `AWS::StepFunctions::StateMachine`: its `Definition` object, or its
 * `DefinitionString` (a string, or a `Fn::Join` of strings and tokens). Undefined when it cannot
 * be read.
 */
export function stateMachineDefinition(properties: JsonObject): JsonObject | undefined {
  if (asObject(properties.Definition)) return asObject(properties.Definition);
  const text = joinedText(properties.DefinitionString);
  if (text === undefined) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function joinedText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = asObject(value)?.['Fn::Join'];
  if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) return undefined;
  return join[1].map((part) => (typeof part === 'string' ? part : TOKEN_PLACEHOLDER)).join(join[0]);
}

/** A Task state of a definition, found anywhere (also in Parallel branches and Map processors). */
export interface TaskState {
  /** The state's name, after the names of the states it is nested in (`Fanout > Train`). */
  readonly name: string;
  readonly resource: string;
  /** `Parameters` (JSONPath) or `Arguments` (JSONata). */
  readonly parameters: unknown;
}

export function taskStates(definition: JsonObject, parent = ''): TaskState[] {
  return Object.entries(asObject(definition.States) ?? {}).flatMap(([stateName, value]) => {
    const state = asObject(value) ?? {};
    const name = parent ? `${parent} > ${stateName}` : stateName;
    const nested = [
      ...asList(state.Branches),
      ...asList(state.Iterator), // Map, legacy
      ...asList(state.ItemProcessor), // Map
    ];
    return [
      ...(state.Type === 'Task' && typeof state.Resource === 'string'
        ? [{ name, resource: state.Resource, parameters: state.Parameters ?? state.Arguments }]
        : []),
      ...nested.flatMap((branch) => taskStates(asObject(branch) ?? {}, name)),
    ];
  });
}
