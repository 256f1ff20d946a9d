import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { environments } from '../../config/environments';
import { configurationReference, configurationSections } from '../../lib/tools/docs/configuration-reference';

const REFERENCE = join(__dirname, '..', '..', 'docs', 'reference', 'configuration.md');

test('docs/reference/configuration.md is what the schema says now', () => {
  const written = readFileSync(REFERENCE, 'utf8');
  if (written !== configurationReference()) {
    throw new Error(
      'docs/reference/configuration.md differs from config/schema.ts: regenerate it with `npm run docs:config` and commit it',
    );
  }
});

test('every field of the configuration has a description in the schema', () => {
  const undescribed = configurationSections().flatMap(({ title, fields }) =>
    fields.filter((f) => !f.schema.description?.trim()).map((f) => `${title}: ${f.path}`),
  );
  expect(undescribed).toEqual([]);
});

/**
 * The dotted paths of the fields a configuration object sets, objects descended into; the values
 * of maps (hyperparameters, image URIs by region) are not fields.
 */
function setPaths(value: unknown, maps: readonly string[], prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return maps.includes(path) ? [path] : [path, ...setPaths(child, maps, path)];
  });
}

const MAPS = ['hyperparameters', 'tuning.ranges', 'framework.imageUris', 'framework.monitorImageUris'];

test('the reference has a row for every field the configured environments and models set', () => {
  const reference = configurationReference();
  const section = (title: string) => reference.split(`## ${title}\n`)[1].split('\n## ')[0];
  const rows = (title: string) =>
    new Set([...section(title).matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]));

  const top = rows('Top level');
  for (const key of Object.keys(environments)) expect(top).toContain(key);

  const environmentRows = rows('Environment');
  for (const [name, environment] of Object.entries(environments.environments)) {
    for (const path of setPaths(environment, MAPS)) {
      expect([name, environmentRows.has(path) ? path : `missing ${path}`]).toEqual([name, path]);
    }
  }

  const modelRows = rows('Model');
  for (const model of environments.models) {
    for (const path of setPaths(model, MAPS)) {
      expect([model.name, modelRows.has(path) ? path : `missing ${path}`]).toEqual([model.name, path]);
    }
  }
});
