import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { mlenvProgram } from '../../lib/cli/program';
import { documents, ROOT } from './documents';

/**
 * Every `npx mlenv ...` line of the code blocks of every documentation page (the README and
 * docs/**\/*.md) parses against the real program
 * (the command exists, its options exist, required arguments and options are there) and reads only
 * files a fresh clone has, or that an earlier line of the same block makes. Nothing is run.
 */
const DOCUMENTS = documents();

/** The files and folders of a fresh clone: what git tracks. */
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
const inClone = (path: string) => {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  return tracked.some((file) => file === clean || file.startsWith(`${clean}/`));
};

interface Example {
  document: string;
  line: number;
  /** The words after `npx mlenv`. */
  args: string[];
  /** The block's lines before this one. */
  before: string[];
}

/** Words of a shell command line, with its quotes removed; a comment ends it. */
function words(text: string): string[] {
  const result: string[] = [];
  // A placeholder (`<execution ARN>`) is one word, spaces and all.
  const pattern = /"([^"]*)"|'([^']*)'|(#.*$)|(<[^>]*>\S*|\S+)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[3] !== undefined) break;
    result.push(match[1] ?? match[2] ?? match[4]);
  }
  return result;
}

function examples(document: string): Example[] {
  const lines = readFileSync(join(ROOT, document), 'utf8').split('\n');
  const found: Example[] = [];
  let block: string[] | undefined;
  lines.forEach((line, index) => {
    if (/^\s*```/.test(line)) {
      block = block === undefined ? [] : undefined;
      return;
    }
    if (block === undefined) return;
    // A help text's example is `  $ npx mlenv ...`; commands chained with && or ; are each one.
    for (const part of line.replace(/^\s*\$\s+/, '').split(/&&|;|\|/)) {
      const command = part.trim();
      if (command.startsWith('npx mlenv ')) {
        found.push({ document, line: index + 1, args: words(command).slice(2), before: [...block] });
      }
      block.push(command);
    }
  });
  return found;
}

/** Commander's outcome of parsing args, with every action replaced by one that does nothing. */
function parse(args: string[]): string | undefined {
  const program = mlenvProgram();
  const silence = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    if (command.commands.length === 0) command.action(() => undefined);
    command.commands.forEach(silence);
  };
  silence(program);
  try {
    program.parse(['node', 'mlenv', ...args]);
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') return undefined;
    return error instanceof Error ? error.message : String(error);
  }
}

const all = DOCUMENTS.flatMap(examples);

test('the documents have mlenv examples, in the README and in docs/', () => {
  expect(all.filter((e) => e.document === 'README.md').length).toBeGreaterThan(10);
  expect(all.filter((e) => e.document.startsWith('docs/guide/')).length).toBeGreaterThan(10);
  expect(all.filter((e) => e.document.startsWith('docs/reference/')).length).toBeGreaterThan(10);
});

test.each(all.map((e) => [`${e.document}:${e.line}`, e] as const))('%s parses', (_where, example) => {
  expect(parse(example.args)).toBeUndefined();
});

test.each(all.map((e) => [`${e.document}:${e.line}`, e] as const))(
  '%s reads files a fresh clone has or an earlier line makes',
  (_where, example) => {
    const paths = example.args.filter((arg) => /^\.{1,2}\//.test(arg) || /\.(csv|json)$/.test(arg));
    const missing = paths.filter(
      (path) =>
        !path.includes('<') &&
        !inClone(path) &&
        !example.before.some((line) => line.includes(path.replace(/^\.\//, ''))),
    );
    expect(missing).toEqual([]);
  },
);
