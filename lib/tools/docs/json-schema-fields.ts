/** The part of a JSON Schema (draft 2020-12, as `z.toJSONSchema` writes it) the references read. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly propertyNames?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/** One field of an object, at its dotted path below the object the table starts from. */
export interface Field {
  readonly path: string;
  readonly schema: JsonSchema;
  /** Whether its parent object requires it (a field with a default is not required). */
  readonly required: boolean;
  /** For a field of some variants of a union only: which, as `<discriminator>: <values>`. */
  readonly variants?: string;
}

/**
 * The fields of an object schema, each nested object's fields after it (`spot`, `spot.enabled`),
 * and for a union of objects (`framework`) each variant's fields, merged where variants agree.
 */
export function objectFields(schema: JsonSchema, prefix = ''): Field[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const field: Field = { path, schema: property, required: (schema.required ?? []).includes(name) };
    return [field, ...nestedFields(property, path)];
  });
}

function nestedFields(schema: JsonSchema, path: string): Field[] {
  if (schema.properties) return objectFields(schema, path);
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants && variants.every((v) => v.properties)) return unionFields(variants, path);
  return [];
}

/**
 * The fields of a discriminated union's variants: one row per distinct field (same schema, same
 * requiredness), saying which variants have it unless all do. The discriminator is the property
 * every variant fixes with a `const`.
 */
function unionFields(variants: readonly JsonSchema[], path: string): Field[] {
  const discriminator = Object.keys(variants[0].properties ?? {}).find((key) =>
    variants.every((v) => v.properties?.[key]?.const !== undefined),
  );
  const nameOf = (variant: JsonSchema) =>
    discriminator ? String(variant.properties?.[discriminator]?.const) : '?';
  const groups = new Map<string, { field: Field; names: string[] }>();
  for (const variant of variants) {
    for (const field of objectFields(variant, path)) {
      const isDiscriminator = discriminator !== undefined && field.path === `${path}.${discriminator}`;
      const key = isDiscriminator
        ? field.path
        : `${field.path}\n${field.required}\n${JSON.stringify(field.schema)}`;
      const group = groups.get(key) ?? { field, names: [] };
      group.names.push(nameOf(variant));
      groups.set(key, group);
    }
  }
  return [...groups.values()].map(({ field, names }) => {
    if (discriminator !== undefined && field.path === `${path}.${discriminator}`) {
      const description = discriminatorText(variants, discriminator);
      return { ...field, schema: { type: 'string', enum: names, description } };
    }
    return names.length === variants.length
      ? field
      : { ...field, variants: `${discriminator}: ${names.map((n) => `\`${n}\``).join(', ')}` };
  });
}

/** The discriminator's description: what each of its values stands for, as each variant says. */
function discriminatorText(variants: readonly JsonSchema[], discriminator: string): string {
  return variants
    .map((v) => v.properties?.[discriminator])
    .filter((p) => p?.description !== undefined)
    .map((p) => `\`${String(p?.const)}\`: ${p?.description?.replace(/\.$/, '')}`)
    .join('; ');
}

/** The type of a field whose value is one of several objects, each variant's fields in the rows after it. */
const VARIANTS = 'object (one of the variants below)';

/** The type, as a reader names it: `integer`, `list of e-mail address`, `map of string to string`. */
export function typeText(schema: JsonSchema): string {
  if (schema.format === 'email') return 'e-mail address';
  if (schema.enum) return kindOf(schema.enum);
  if (schema.const !== undefined) return kindOf([schema.const]);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices?.every((c) => c.const !== undefined)) return kindOf(choices.map((c) => c.const));
  if (choices?.every((c) => c.properties)) return VARIANTS;
  if (Array.isArray(schema.type)) return orList(schema.type as string[]);
  if (schema.type === 'array') return `list of ${schema.items ? typeText(schema.items) : 'anything'}`;
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
    const key = schema.propertyNames ? typeText(schema.propertyNames) : 'string';
    // A map's values have no rows of their own: their description says what each variant holds.
    const value = typeText(schema.additionalProperties);
    return `map of ${key} to ${value === VARIANTS ? 'object (see the description)' : value}`;
  }
  return typeof schema.type === 'string' ? schema.type : 'any';
}

function kindOf(values: readonly unknown[]): string {
  return orList([...new Set(values.map((v) => typeof v))]);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Zod writes an unbounded integer's maximum as the largest safe integer: no limit for a reader. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** The values or limits the schema states: `'vpc', 'none'`, `1 to 20`, `matches ^\d{12}$`. */
export function allowedText(schema: JsonSchema): string {
  const choices = schema.oneOf ?? schema.anyOf;
  if (schema.enum) return values(schema.enum);
  if (schema.const !== undefined) return values([schema.const]);
  if (choices?.every((c) => c.const !== undefined)) return values(choices.map((c) => c.const));
  if (schema.type === 'array' && schema.items) return prefixed('each: ', allowedText(schema.items));
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return [
      schema.propertyNames && prefixed('keys: ', allowedText(schema.propertyNames)),
      prefixed('values: ', allowedText(schema.additionalProperties)),
    ]
      .filter((part) => part)
      .join('; ');
  }
  const parts: string[] = [];
  const max = schema.maximum !== undefined && schema.maximum < NO_LIMIT ? schema.maximum : undefined;
  if (schema.minimum !== undefined && max !== undefined) parts.push(`${schema.minimum} to ${max}`);
  else if (schema.minimum !== undefined) parts.push(`at least ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`above ${schema.exclusiveMinimum}`);
  if (max !== undefined && schema.minimum === undefined) parts.push(`at most ${max}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`below ${schema.exclusiveMaximum}`);
  if (schema.minLength !== undefined) parts.push(`at least ${characters(schema.minLength)}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${characters(schema.maxLength)}`);
  if (schema.pattern !== undefined && schema.format === undefined)
    parts.push(`matches \`${schema.pattern}\``);
  return parts.join(', ');
}

function characters(count: number): string {
  return count === 1 ? '1 character' : `${count} characters`;
}

function values(list: readonly unknown[]): string {
  return list.map((v) => `\`${JSON.stringify(v).replace(/"/g, "'")}\``).join(', ');
}

function prefixed(prefix: string, text: string): string {
  return text ? `${prefix}${text}` : '';
}
