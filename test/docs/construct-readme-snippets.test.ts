import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import * as ts from 'typescript';
import * as mlenv from '../../constructs';

/**
 * Every ```ts block of constructs/README.md type-checks against the library, as aws-cdk's rosetta
 * checks its module READMEs: a block is the body of a stack's constructor, after a fixed prelude
 * that imports the library as `mlenv` (the package's name) and the aws-cdk-lib modules it uses;
 * its `declare const` lines (the inputs it takes from elsewhere) are hoisted to the module. A
 * block tagged `ts nofixture` is a whole module. Nothing is run.
 */
const ROOT = join(__dirname, '..', '..');
const README = join(ROOT, 'constructs', 'README.md');
/** Inside the repository (and git-ignored), so the snippets resolve its node_modules. */
const OUT = join(ROOT, 'test', '.out', 'construct-readme-snippets');

const PRELUDE = [
  "import { App, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';",
  "import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';",
  "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
  "import * as events from 'aws-cdk-lib/aws-events';",
  "import * as iam from 'aws-cdk-lib/aws-iam';",
  "import * as kms from 'aws-cdk-lib/aws-kms';",
  "import * as logs from 'aws-cdk-lib/aws-logs';",
  "import * as sns from 'aws-cdk-lib/aws-sns';",
  "import { Construct } from 'constructs';",
  "import * as mlenv from 'mlenv';",
];

interface Snippet {
  /** The line of constructs/README.md the block's code starts on. */
  readonly line: number;
  readonly code: string;
  readonly fixture: boolean;
}

function snippets(markdown: string): Snippet[] {
  return [...markdown.matchAll(/^```ts( nofixture)?\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: markdown.slice(0, match.index).split('\n').length + 1,
    code: match[2],
    fixture: match[1] === undefined,
  }));
}

/** The module a snippet is checked as, and for each of its lines the README line it came from (or none). */
function moduleOf(snippet: Snippet): { text: string; readmeLines: Array<number | undefined> } {
  const lines = snippet.code.replace(/\n$/, '').split('\n');
  const numbered = lines.map((text, i) => ({ text, line: snippet.line + i }));
  if (!snippet.fixture) return { text: lines.join('\n'), readmeLines: numbered.map((l) => l.line) };
  const declared = numbered.filter((l) => l.text.startsWith('declare '));
  const body = numbered.filter((l) => !l.text.startsWith('declare '));
  const out = [
    ...PRELUDE.map((text) => ({ text, line: undefined })),
    ...declared,
    { text: 'export class Fixture extends Stack {', line: undefined },
    { text: '  constructor(scope: Construct, id: string) {', line: undefined },
    { text: '    super(scope, id);', line: undefined },
    ...body,
    { text: '  }', line: undefined },
    { text: '}', line: undefined },
    { text: "new Fixture(new App(), 'Fixture');", line: undefined },
  ];
  return { text: out.map((l) => l.text).join('\n'), readmeLines: out.map((l) => l.line) };
}

/** The repository's compiler options, with `mlenv` resolved to the library's source. */
function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return {
    ...options,
    noEmit: true,
    // A snippet shows one use: the prelude's other imports and its own results may stay unused.
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: { mlenv: [join(ROOT, 'constructs', 'index.ts')] },
  };
}

/** Type-checks the snippets in one program (loading aws-cdk-lib's types is most of the time); each one's errors as `README line: message`. */
function typeErrors(blocks: Snippet[], directory: string): string[][] {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const modules = blocks.map((snippet, i) => {
    const file = join(directory, `snippet-${i}.ts`);
    const module = moduleOf(snippet);
    writeFileSync(file, module.text);
    return { file, snippet, ...module };
  });
  const program = ts.createProgram(
    modules.map((m) => m.file),
    compilerOptions(),
  );
  return modules.map(({ file, snippet, readmeLines }) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const at =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
          : undefined;
      const line = (at !== undefined ? readmeLines[at] : undefined) ?? snippet.line;
      return `constructs/README.md:${line}: ${message}`;
    }),
  );
}

const readme = readFileSync(README, 'utf8');
const blocks = snippets(readme);
/** A snippet the check must refuse: it proves that the check sees the library's types. */
const WRONG: Snippet = {
  line: 10,
  code: "new mlenv.MlDataStore(this, 'Data', { noSuchProp: true });\n",
  fixture: true,
};
let errors: string[][];

beforeAll(() => {
  errors = typeErrors([...blocks, WRONG], OUT);
});

test('every ts snippet of constructs/README.md type-checks against the library', () => {
  expect(blocks.length).toBeGreaterThan(0);
  expect(errors.slice(0, blocks.length).flat()).toEqual([]);
});

test('a wrong snippet fails the check, at its README line', () => {
  const wrong = errors[blocks.length];
  expect(wrong).toHaveLength(1);
  expect(wrong[0]).toMatch(/^constructs\/README\.md:10: .*noSuchProp/);
});

test('the README shows every construct the library exports', () => {
  // The library's own index decides what a reader must find: each exported class that is a
  // construct, but the abstract bases (shown through their class).
  const constructs = Object.entries(mlenv)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Construct)
    .map(([name]) => name)
    .filter((name) => !name.endsWith('Base'));
  expect(constructs.length).toBeGreaterThan(10);
  const missing = constructs.filter((name) => !readme.includes(`mlenv.${name}`));
  expect(missing).toEqual([]);
});
