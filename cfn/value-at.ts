import { asObject } from './json-values';

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
