import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import tiers from './test-tiers.json';

const ROOT = join(__dirname, '..', '..');

/**
 * What a test needs the platform's synthesis for, by the modules it imports: the shared one
 * (test/support/platform.ts), its own (the platform app's synthesize module), the emulator or the
 * many-models configuration. Matched by module name, so that a module moving to another folder
 * keeps its meaning here.
 */
const NOT_UNIT = [
  { module: /(^|\/)test\/support\/platform\.ts$/, reason: 'reads the shared synthesis' },
  { module: /\/app\/synthesize\.ts$/, reason: "synthesizes the platform (the platform's app)" },
  { module: /\/local\/emulator\.ts$/, reason: 'starts the emulator' },
  { module: /\/model-count\.ts$/, reason: 'synthesizes many models' },
];

/** The repository files `file` imports by relative path (`.ts` modules and folder indexes). */
function relativeImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import|require\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.flatMap((specifier) => {
    const base = normalize(join(dirname(file), specifier));
    const found = [`${base}.ts`, join(base, 'index.ts'), base].find((c) => existsSync(join(ROOT, c)));
    return found ? [found] : [];
  });
}

/** What `file` imports: the test helpers it reaches through other test helpers, and their imports. */
function reachedThroughTestHelpers(file: string): Set<string> {
  const reached = new Set<string>();
  const pending = [file];
  while (pending.length > 0) {
    for (const imported of relativeImports(pending.pop()!)) {
      if (reached.has(imported)) continue;
      reached.add(imported);
      if (imported.startsWith('test/')) pending.push(imported);
    }
  }
  return reached;
}

describe('the test tiers (test/support/test-tiers.json)', () => {
  test('list existing test files, each in one tier', () => {
    const listed = [...tiers.unit, ...tiers.e2e];
    expect(listed.filter((file) => !file.endsWith('.test.ts') || !existsSync(join(ROOT, file)))).toEqual([]);
    expect(listed.filter((file, i) => listed.indexOf(file) !== i)).toEqual([]);
  });

  test.each(tiers.unit)('%s runs without the platform synthesis or the emulator', (file) => {
    const reached = [...reachedThroughTestHelpers(file)];
    const needs = NOT_UNIT.filter(({ module }) => reached.some((m) => module.test(m))).map((n) => n.reason);
    expect(needs).toEqual([]);
  });
});
