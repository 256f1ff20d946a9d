import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliReference } from '../../lib/cli/cli-reference';
import { mlenvProgram } from '../../lib/cli/program';

const REFERENCE = join(__dirname, '..', '..', 'docs', 'reference', 'cli.md');

test('docs/reference/cli.md is what the commands say now', () => {
  const written = readFileSync(REFERENCE, 'utf8');
  const current = cliReference(mlenvProgram());
  if (written !== current) {
    throw new Error(
      "docs/reference/cli.md differs from the commands' help: regenerate it with `npm run docs:cli` and commit it",
    );
  }
});

test('the reference has a section for every command, with its usage and its example', () => {
  const reference = cliReference(mlenvProgram());
  for (const command of mlenvProgram().commands.filter((c) => c.name() !== 'help')) {
    expect(reference).toContain(`## \`mlenv ${command.name()}\``);
    expect(reference).toContain(`Usage: mlenv ${command.name()}`);
  }
  expect(reference).toMatch(/Example:\n {2}\$ npx mlenv /);
});
