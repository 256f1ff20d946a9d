import type { Command } from 'commander';

/** Width the reference's help text is wrapped at, whatever terminal the generator runs in. */
const HELP_WIDTH = 100;

/** Every command under `command` (nested ones included, `help` left out), with its full name. */
export function commandTree(command: Command, prefix = command.name()): Array<[string, Command]> {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => {
      const name = `${prefix} ${c.name()}`;
      return [[name, c] as [string, Command], ...commandTree(c, name)];
    });
}

/** What `<command> --help` prints (usage, description, arguments, options, examples), at a fixed width. */
export function helpText(command: Command): string {
  let out = '';
  command.configureOutput({
    writeOut: (text) => (out += text),
    writeErr: (text) => (out += text),
    getOutHelpWidth: () => HELP_WIDTH,
    getErrHelpWidth: () => HELP_WIDTH,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  command.outputHelp();
  return out.trimEnd();
}

/**
 * docs/reference/cli.md: the help of the program and of every command, as the commands define it. Written by
 * `npm run docs:cli`; test/docs/cli-reference.test.ts fails when it differs.
 */
export function cliReference(program: Command): string {
  const name = program.name();
  const sections = [[name, program] as [string, Command], ...commandTree(program)].map(
    ([full, command]) => `## \`${full}\`\n\n\`\`\`text\n${helpText(command)}\n\`\`\`\n`,
  );
  const contents = commandTree(program).map(([full]) => `- [\`${full}\`](#${anchor(full)})`);
  return [
    `# The \`${name}\` command\n`,
    `<!-- Generated from the commands by \`npm run docs:cli\` (lib/cli/cli-reference.ts); do not edit. -->\n`,
    `Each section is what \`npx ${name} <command> --help\` prints.\n`,
    `${contents.join('\n')}\n`,
    commonOptionsTable(program),
    ...sections,
  ].join('\n');
}

/** GitHub's heading anchor for a heading of inline code: lower case, spaces as dashes. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

/** The options most commands share, and which command takes which: a claim kept true by generating it. */
const COMMON_OPTIONS = ['--profile', '--region', '--json'] as const;

function commonOptionsTable(program: Command): string {
  const rows = commandTree(program)
    .filter(([, command]) => command.commands.length === 0)
    .map(([full, command]) => {
      const flags = new Set(command.options.map((option) => option.long));
      return `| \`${full}\` | ${COMMON_OPTIONS.map((flag) => (flags.has(flag) ? 'yes' : '')).join(' | ')} |`;
    });
  return [
    'Which command takes the common options (`--profile` and `--region` choose the AWS credentials and region, `--json` prints the result as data):\n',
    `| command | ${COMMON_OPTIONS.map((flag) => `\`${flag}\``).join(' | ')} |`,
    `| --- | ${COMMON_OPTIONS.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
  ].join('\n');
}
