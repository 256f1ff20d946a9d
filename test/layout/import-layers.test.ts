import { REPO_ROOT } from '../../config/repo-root';
import { importCycles, importGraph } from '../support/import-graph';

/**
 * The layers of the code, lowest first: a module may import its own layer and those below it,
 * never one above. What each holds is in docs/contributing/layout.md.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cfn/'], // reading templates and state machine definitions: JSON values, intrinsics, deployed names
  ['constructs/'], // the construct library
  ['config/'],
  // the platform: the app, its stages and stacks, compliance, delivery, build locks
  [
    'lib/app/',
    'lib/stages/',
    'lib/stacks/',
    'lib/compliance/',
    'lib/delivery/',
    'lib/pipeline/',
    'lib/locks/',
  ],
  // the readers of an assembly
  ['lib/parity/', 'lib/cost/', 'lib/authorization/', 'lib/stateful/', 'lib/diagram/', 'lib/docs/'],
  ['lib/ops/', 'lib/tracking/'], // operations on an environment through the AWS SDK
  ['lib/local/'], // the local environment: emulator, jobs, stand-ins
  ['lib/cli/', 'lib/main.ts', 'bin/'], // the commands
];

const graph = importGraph(REPO_ROOT);
const layerOf = (file: string): number => LAYERS.findIndex((layer) => layer.some((p) => file.startsWith(p)));

test('every source module belongs to a layer', () => {
  expect([...graph.keys()].filter((file) => layerOf(file) < 0)).toEqual([]);
});

test('no module imports one of a higher layer', () => {
  const upward = [...graph].flatMap(([file, targets]) =>
    targets.filter((target) => layerOf(target) > layerOf(file)).map((target) => `${file} -> ${target}`),
  );
  expect(upward).toEqual([]);
});

test('no import cycle', () => {
  expect(importCycles(graph)).toEqual([]);
});

test('the checks can disagree: a cycle and an upward import are found', () => {
  const made = new Map([
    ['lib/ops/a.ts', ['lib/ops/b.ts', 'lib/local/c.ts']],
    ['lib/ops/b.ts', ['lib/ops/a.ts']],
    ['lib/local/c.ts', []],
  ]);
  expect(importCycles(made)).toEqual([['lib/ops/a.ts', 'lib/ops/b.ts']]);
  expect(layerOf('lib/local/c.ts')).toBeGreaterThan(layerOf('lib/ops/a.ts'));
});
