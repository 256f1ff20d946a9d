import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { libAreaOf, REPO_ROOT } from '../../config/repo-root';
import { markedBlock } from '../docs/documents';
import { type ImportGraph, importCycles, importGraph } from '../support/import-graph';

/**
 * The layers of the code, lowest first: a module may import its own layer and those below it,
 * never one above. They are read from the picture in docs/contributing/layout.md (top first: a
 * layer's name, its folders, what it holds), so the picture and this check cannot disagree.
 */
const LAYERS: readonly (readonly string[])[] = markedBlock('layers')
  .lines.map((line) => line.split(/\s{2,}/)[1].split(' '))
  .reverse();

const graph = importGraph(REPO_ROOT);
/** The layer of a file: that of the longest folder of the picture it is in (a subfolder may sit above or below its parent). */
function layerOf(file: string): number {
  const matches = LAYERS.flatMap((layer, index) =>
    layer.filter((path) => file.startsWith(path)).map((path) => ({ index, length: path.length })),
  );
  return matches.sort((a, b) => b.length - a.length)[0]?.index ?? -1;
}

test('every folder of the picture exists', () => {
  expect(LAYERS.flat().filter((path) => !existsSync(join(REPO_ROOT, path)))).toEqual([]);
});

test('every source module belongs to a layer', () => {
  expect([...graph.keys()].filter((file) => layerOf(file) < 0)).toEqual([]);
});

test('every module imports only what belongs to a layer', () => {
  const unplaced = [...graph].flatMap(([file, targets]) =>
    targets.filter((target) => layerOf(target) < 0).map((target) => `${file} -> ${target}`),
  );
  expect(unplaced).toEqual([]);
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
  // A subfolder is placed by its own line of the picture, not by its parent's.
  expect(layerOf('lib/tools/integrations/k/index.ts')).toBeLessThan(layerOf('lib/tools/cost/estimate.ts'));
});

/** The platform, its tools, operations and commands: they use the construct library as a team would. */
const LIBRARY_USERS = ['lib/', 'bin/'];
const LIBRARY = 'constructs/';
const LIBRARY_INDEX = 'constructs/index.ts';

/** Each import by a user of the construct library of one of its modules other than its index. */
function importsPastTheIndex(made: ImportGraph): string[] {
  return [...made]
    .filter(([file]) => LIBRARY_USERS.some((folder) => file.startsWith(folder)))
    .flatMap(([file, targets]) =>
      targets
        .filter((target) => target.startsWith(LIBRARY) && target !== LIBRARY_INDEX)
        .map((target) => `${file} -> ${target}`),
    );
}

test('the platform imports the construct library only through its index', () => {
  expect(importsPastTheIndex(graph)).toEqual([]);
});

test('the index check can fail: an import past the index is found', () => {
  const made = new Map([
    ['lib/platform/stacks/a.ts', ['constructs/index.ts', 'constructs/common/b.ts']],
    ['bin/c.ts', ['constructs/training/d.ts']],
    ['constructs/index.ts', ['constructs/common/b.ts', 'constructs/training/d.ts']],
    ['constructs/common/b.ts', []],
    ['constructs/training/d.ts', ['constructs/common/b.ts']],
  ]);
  expect(importsPastTheIndex(made)).toEqual([
    'lib/platform/stacks/a.ts -> constructs/common/b.ts',
    'bin/c.ts -> constructs/training/d.ts',
  ]);
});

/**
 * The folder loops of lib/: each set of folders that import each other, directly or through
 * others, as the module imports that make it. A folder loop needs no loop of modules (app/a imports
 * stacks/b, which imports app/c), yet a reader of either folder must still read both.
 */
function folderLoops(made: ImportGraph): string[][] {
  const crossings = [...made].flatMap(([file, targets]) =>
    targets
      .map((target) => ({ file, target, from: libAreaOf(file), to: libAreaOf(target) }))
      .filter(({ from, to }) => from !== undefined && to !== undefined && from !== to),
  );
  const folders = new Map<string, string[]>();
  for (const { from, to } of crossings)
    folders.set(from!, [...new Set([...(folders.get(from!) ?? []), to!])]);
  return importCycles(folders).map((loop) =>
    crossings
      .filter(({ from, to }) => loop.includes(from!) && loop.includes(to!))
      .map(({ file, target }) => `${file} -> ${target}`),
  );
}

test('no two folders of lib/ import each other, directly or through others', () => {
  expect(folderLoops(graph)).toEqual([]);
});

test('the folder check can fail: a folder loop without a module loop is found', () => {
  const made = new Map([
    ['lib/platform/app/a.ts', ['lib/platform/stacks/b.ts']],
    ['lib/platform/stacks/b.ts', ['lib/platform/app/c.ts', 'config/d.ts']],
    ['lib/platform/app/c.ts', []],
    ['lib/main.ts', ['lib/platform/app/a.ts']],
    ['config/d.ts', []],
  ]);
  expect(importCycles(made)).toEqual([]);
  expect(folderLoops(made)).toEqual([
    [
      'lib/platform/app/a.ts -> lib/platform/stacks/b.ts',
      'lib/platform/stacks/b.ts -> lib/platform/app/c.ts',
    ],
  ]);
});
