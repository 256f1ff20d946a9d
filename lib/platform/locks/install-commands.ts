/**
 * Finding package installs in code and scripts that do not check hashes: a pip or uv install or
 * sync whose command lacks `--require-hashes`. What the supply-chain tests read every script,
 * workflow and buildspec with.
 */

/**
 * pip's (or pip3's) install command, and uv's (its pip interface's install or sync): the word
 * `pip`, then `install` or `sync`, written as a shell command or as an argument list in code.
 */
const INSTALL = /\bpip3?\b["'`,\s]{1,20}(?:install|sync)\b/g;

/** One install command found in a text: the line it starts on and what it says. */
export interface InstallCommand {
  readonly line: number;
  readonly command: string;
}

/**
 * The install commands of `text`. An argument list (quotes between its words) ends at its `]` or
 * `)`; a shell command at the end of its line (`\` continues it), or at `;`, `&&`, `||`, `|`, or
 * a quote that closes the string it is written in.
 */
export function installCommands(text: string): InstallCommand[] {
  return [...text.matchAll(INSTALL)].map((match) => {
    const rest = text.slice(match.index);
    const end = /["'`]/.test(match[0]) ? /[\])]/.exec(rest) : /(?<!\\)\n|;|&&|\|\||\||["'`]/.exec(rest);
    const command = rest.slice(0, end ? end.index : rest.length);
    return {
      line: text.slice(0, match.index).split('\n').length,
      command: command.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim(),
    };
  });
}

/** The install commands of `text` that do not require hashes. */
export function unhashedInstalls(text: string): InstallCommand[] {
  return installCommands(text).filter(({ command }) => !command.includes('--require-hashes'));
}
