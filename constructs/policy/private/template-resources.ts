import { readFileSync } from 'node:fs';
import type { IPolicyValidationContext } from 'aws-cdk-lib';
import { asObject, type JsonObject } from '../../../cfn/json-values';

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
