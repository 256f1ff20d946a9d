import type { JsonObject } from '../../../cfn/json-values';

/** A policy document and the name an explanation gives it. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: JsonObject;
}
