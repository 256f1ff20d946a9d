import { readFileSync } from 'node:fs';
import type { IPolicyValidationContext } from 'aws-cdk-lib';
import { asObject, type JsonObject } from '../../cfn/json-values';
import { TemplateReader } from '../../cfn/template-reader';

export { asList, asObject, isIntrinsic, type JsonObject } from '../../cfn/json-values';
export { taskStates, type TaskState } from '../common/state-machine-tasks';

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
 * The policy pack reads templates before any deploy: each token of a `Fn::Join`ed definition
 * becomes `0`, valid JSON both inside a string (an ARN, a name) and where a number goes, and free
 * of quotes and backslashes.
 */
const UNDEPLOYED = TemplateReader.withoutDeployment(() => '0');

/**
 * The parsed definition of an `AWS::StepFunctions::StateMachine`: its `Definition` object, or its
 * `DefinitionString` (a string, or a `Fn::Join` of strings and tokens). Undefined when it cannot
 * be read.
 */
export function stateMachineDefinition(properties: JsonObject): JsonObject | undefined {
  return UNDEPLOYED.stateMachineDefinition(properties);
}
