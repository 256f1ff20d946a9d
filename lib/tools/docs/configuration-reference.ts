import { z } from 'zod';
import { configSchema } from '../../../config/schema';
import { allowedText, type Field, type JsonSchema, objectFields, typeText } from './json-schema-fields';

/**
 * The configuration as a reader writes it (`io: 'input'`: a field with a default is optional).
 * Cross-field rules are refinements JSON Schema cannot carry (`unrepresentable: 'any'`); their
 * descriptions state them instead.
 */
export function configurationJsonSchema(): JsonSchema {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The parts of the configuration the reference has a table for: where they sit, and their schema. */
export function configurationSections(schema = configurationJsonSchema()): Array<{
  title: string;
  where: string;
  fields: Field[];
}> {
  const environments = schema.properties?.environments?.additionalProperties;
  const models = schema.properties?.models?.items;
  if (typeof environments !== 'object' || !models) {
    throw new Error('the configuration schema has no environments map or models list');
  }
  return [
    {
      title: 'Top level',
      where: 'the object `config/environments.ts` exports',
      fields: objectFields({ ...schema, properties: topLevelOnly(schema) }),
    },
    { title: 'Environment', where: '`environments.<name>`', fields: objectFields(environments) },
    { title: 'Model', where: 'each entry of `models`', fields: objectFields(models) },
  ];
}

/** The top level's fields without the delivery section's own fields (config/delivery.ts documents them). */
function topLevelOnly(schema: JsonSchema): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, property]) => [name, shallow(property)]),
  );
}

/** A schema without its nested fields, so a table lists the field alone. */
function shallow(schema: JsonSchema): JsonSchema {
  const { properties: _properties, ...rest } = schema;
  return { ...rest, ...(schema.properties ? { type: 'object' } : {}) };
}

/**
 * docs/reference/configuration.md: every field of the configuration (top level, an environment,
 * a model) with its type, whether it is required, its default, its allowed values or limits and
 * its description, all read from the zod schema (config/schema.ts). Written by
 * `npm run docs:config`; test/docs/configuration-reference.test.ts fails when it differs.
 */
export function configurationReference(): string {
  const sections = configurationSections().map(
    ({ title, where, fields }) =>
      `## ${title}\n\nIn ${where}.\n\n` +
      '| field | type | required | default | allowed values | description |\n' +
      '| --- | --- | --- | --- | --- | --- |\n' +
      fields.map(row).join('\n') +
      '\n',
  );
  return [
    '# Configuration\n',
    '<!-- Generated from the zod schema by `npm run docs:config` (lib/tools/docs/configuration-reference.ts); do not edit. -->\n',
    'The platform is configured in `config/environments.ts`, validated by the schema of ' +
      '`config/schema.ts` on every synth and every `mlenv` command. A nested field is written with ' +
      'its path (`training.spot.enabled` is `spot: { enabled }` inside `training`); "required" is ' +
      'within its parent, and a field with a default may be left out. Rules across fields (prod ' +
      'must use a VPC, staging serves on the instance type prod does, ...) are checked too: each ' +
      "field's description states those that concern it.\n",
    ...sections,
  ].join('\n');
}

function row(field: Field): string {
  const description = [field.variants ? `(${field.variants})` : '', field.schema.description ?? '']
    .filter((part) => part)
    .join(' ');
  const cells = [
    `\`${field.path}\``,
    typeText(field.schema),
    field.required ? 'yes' : 'no',
    defaultText(field.schema.default),
    allowedText(field.schema),
    description,
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function defaultText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) {
    return "each field's default";
  }
  return `\`${JSON.stringify(value).replace(/"/g, "'")}\``;
}

/** A table cell: one line, its pipes escaped (GitHub reads `\|` as a pipe in code spans too). */
function cell(text: string): string {
  return text.replace(/\n/g, ' ').replace(/\|/g, '\\|');
}
