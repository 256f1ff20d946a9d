import type { JsonObject } from './json-values';
import { TemplateReader } from './template-reader';

/**
 * Templates read before any deploy (by the policy pack, the cost estimate): each token of a
 * `Fn::Join`ed definition becomes `0`, valid JSON both inside a string (an ARN, a name) and where
 * a number goes, and free of quotes and backslashes.
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
