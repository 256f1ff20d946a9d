/**
 * Flattens a resource into `path -> value` leaves, so environments can be compared property by
 * property: `Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays`.
 *
 * Intrinsic functions (`Ref`, `Fn::*`) stay whole as one leaf; lists of `{ Key, Value }` tags are
 * keyed by tag key (`Properties.Tags[mlenv:environment]`) so that one extra tag is one difference.
 */
export function flatten(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isTag)) {
      for (const tag of value) out.set(`${path}[${tag.Key}]`, tag.Value);
    } else if (value.length === 0) {
      out.set(path, []);
    } else {
      value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
    }
    return out;
  }
  if (value !== null && typeof value === 'object' && !isIntrinsic(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(path, {});
    for (const [key, v] of entries) flatten(v, path ? `${path}.${key}` : key, out);
    return out;
  }
  out.set(path, value);
  return out;
}

function isTag(v: unknown): v is { Key: string; Value: unknown } {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { Key?: unknown }).Key === 'string' &&
    'Value' in v &&
    Object.keys(v).length === 2
  );
}

function isIntrinsic(v: object): boolean {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}
