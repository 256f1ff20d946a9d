import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import jsonata from 'jsonata';
import { REPO_ROOT } from '../../config/repo-root';
import {
  checkRunString,
  isRunString,
  jsonataIsRunString,
  RUN_STRING_GRAMMAR_JSON,
  RUN_STRING_RULES,
  type RunStringKind,
} from '../../constructs/common/run-strings';

/**
 * The grammar of run-time strings is declared once (run-string-grammar.json) and checked in three
 * languages: TypeScript (the CLI), JSONata (the state machines) and Python (the scripts). They
 * must agree on every string.
 */
const GRAMMAR_FILE = join(REPO_ROOT, 'constructs', 'common', 'run-string-grammar.json');

/** Strings near the rules' edges and far from them. */
const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(new RegExp(RUN_STRING_RULES.name.pattern)),
  fc.stringMatching(new RegExp(RUN_STRING_RULES.location.pattern)),
  fc.stringMatching(/^s3:\/\/[a-z0-9.-]{1,12}\/[a-zA-Z0-9_./%-]{0,40}$/),
  fc.string({ unit: 'grapheme', maxLength: 70 }),
  fc.string({ unit: fc.constantFrom('a', '-', '.', '/', '_', 'Z', '9', ' ', '\n', 'é'), maxLength: 70 }),
  fc.constantFrom('', 'latest', 'v1\n', '\nv1', 'a'.repeat(63), 'a'.repeat(64), 's3://b/' + 'k'.repeat(1017)),
);

test('the TypeScript module reads the one JSON file', () => {
  const file = JSON.parse(readFileSync(GRAMMAR_FILE, 'utf8'));
  expect(RUN_STRING_RULES).toEqual({ name: file.name, location: file.location });
  expect(JSON.parse(RUN_STRING_GRAMMAR_JSON)).toEqual(RUN_STRING_RULES);
});

test.each([
  ['name', ['v1', '3f2a9c0d1e4b5a69', 'new-data', 'a--b', 'A', 'a'.repeat(63)]],
  ['location', ['s3://raw-b/churn/versions/v1/', 's3://raw-b/churn/2026-11-30.csv', 's3://b.c/k']],
] as const)('accepts %s examples', (kind, good) => {
  for (const value of good) expect(isRunString(kind, value)).toBe(true);
});

test.each([
  [
    'name',
    ['', '../features', 'a/b', '.v1', 'v1.', '-v1', 'v1-', 'v 1', 'v1\n', 'vé', '%2e%2e', 'a'.repeat(64)],
  ],
  [
    'location',
    [
      's3://b/churn/../x/',
      's3://b/churn//x',
      's3://b/./x',
      's3://b/.x',
      's3://b/x%2e',
      'http://b/x',
      `s3://b/${'k'.repeat(1020)}`,
    ],
  ],
] as const)('refuses %s examples, naming the field and the rule', (kind, bad) => {
  for (const value of bad) {
    expect(isRunString(kind, value)).toBe(false);
    expect(() => checkRunString('field', kind, value)).toThrow(
      `is not valid: it must be ${RUN_STRING_RULES[kind].rule}`,
    );
  }
  expect(() => checkRunString('--dataset-version', 'name', '../x')).toThrow(
    '--dataset-version "../x" is not valid: it must be 1 to 63 letters',
  );
});

test.each(['name', 'location'] as const)(
  'TypeScript, JSONata and Python agree on every %s',
  async (kind: RunStringKind) => {
    const samples = fc.sample(anyString, { numRuns: 400, seed: 26 });
    const expression = jsonata(jsonataIsRunString(kind, '$states.input.value'));
    const viaJsonata = await Promise.all(
      samples.map((value) => expression.evaluate({}, { states: { input: { value } } })),
    );
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'ml', 'data', 'dbt'))})`,
      'import export_features as e',
      'grammar = e.run_string_grammar()',
      'def ok(v):',
      '    try:',
      `        e.check_run_string(grammar, ${JSON.stringify(kind)}, "f", v)`,
      '        return True',
      '    except e.ExportError:',
      '        return False',
      'print(json.dumps([ok(v) for v in json.load(sys.stdin)]))',
    ].join('\n');
    const viaPython = JSON.parse(
      execFileSync(join(REPO_ROOT, '.venv', 'bin', 'python'), ['-c', script], {
        input: JSON.stringify(samples),
        encoding: 'utf8',
      }),
    );
    const viaTypeScript = samples.map((value) => isRunString(kind, value));
    expect(viaTypeScript.filter(Boolean).length).toBeGreaterThan(20);
    const disagreements = samples.filter(
      (_v, i) => viaTypeScript[i] !== viaJsonata[i] || viaTypeScript[i] !== viaPython[i],
    );
    expect(disagreements).toEqual([]);
  },
);

test('the JSONata test is false, not an error, for what is not a string', async () => {
  const expression = jsonata(jsonataIsRunString('name', '$states.input.value'));
  for (const value of [3, null, ['v1'], { v: 1 }, true, undefined]) {
    expect(await expression.evaluate({}, { states: { input: { value } } })).toBe(false);
  }
});
