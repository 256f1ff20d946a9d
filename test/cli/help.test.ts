import type { Command } from 'commander';
import { mlenvProgram } from '../../lib/cli/program';

/** Every command of `mlenv`, nested ones included, with its full name. */
function commands(command: Command, prefix = ''): Array<[string, Command]> {
  return command.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return [[name, c] as [string, Command], ...commands(c, `${name} `)];
  });
}

/** What `mlenv <command> --help` prints. */
function help(command: Command): string {
  let out = '';
  command.configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (out += text) });
  command.outputHelp();
  return out;
}

const program = mlenvProgram();

test('mlenv --help lists the commands', () => {
  const listed = help(program);
  for (const [name] of commands(program).filter(([n]) => !n.includes(' '))) expect(listed).toContain(name);
});

test.each(commands(program).filter(([name]) => name !== 'help'))(
  'mlenv %s --help has an example',
  (_name, command) => {
    expect(help(command)).toMatch(/\nExample:\n {2}\$ .*npx mlenv /);
  },
);
