/** A JSON object of a synthesized template or state machine definition. */
export type JsonObject = Record<string, unknown>;

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
