import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePin } from '../../lib/ops/pin-file';
import { modelPin } from '../support/pins';
import { loadConfig } from '../../config';
import { configInput } from '../support/config-fixtures';

/** `mlenv promote` rewrites a model's pin: a shadow candidate a person set by hand must survive it. */
const committed = loadConfig(configInput());
const env = committed.environments.find((e) => e.serving.kind === 'instance')!.name;
const model = committed.models[0].name;
const candidate = (() => {
  const { modelPackageArn, artifactFilesSha256 } = modelPin(env, model, { version: 9 });
  return { modelPackageArn, artifactFilesSha256 };
})();

function pinsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mlenv-pins-')), `${env}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('a promotion of another package keeps the shadow candidate', () => {
  const file = pinsFile({ [model]: { ...modelPin(env, model, { version: 3 }), shadow: candidate } });
  expect(writePin(file, model, modelPin(env, model, { version: 4 }))).toBe(true);
  expect(read(file)[model].modelPackageArn).toBe(modelPin(env, model, { version: 4 }).modelPackageArn);
  expect(read(file)[model].shadow).toEqual(candidate);
});

test('promoting the candidate itself ends the shadow test', () => {
  const file = pinsFile({ [model]: { ...modelPin(env, model, { version: 3 }), shadow: candidate } });
  writePin(file, model, modelPin(env, model, { version: 9 }));
  expect(read(file)[model].modelPackageArn).toBe(candidate.modelPackageArn);
  expect(read(file)[model].shadow).toBeUndefined();
});

test('a pin without a previous shadow gets none', () => {
  const file = pinsFile({ [model]: modelPin(env, model, { version: 3 }) });
  writePin(file, model, modelPin(env, model, { version: 4 }));
  expect(read(file)[model].shadow).toBeUndefined();
});
