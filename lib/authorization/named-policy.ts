import type { JsonObject } from '../../constructs/common/json-values';

/** A policy document and the name an explanation gives it. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: JsonObject;
}
