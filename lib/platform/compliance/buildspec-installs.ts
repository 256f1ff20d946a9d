import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { asList, asObject } from '../../../cfn/json-values';
import { installCommands } from '../locks/install-commands';
import { lockProblems } from '../locks/lock-file';
import { REPO_ROOT } from '../../../config/repo-root';
import { type PythonLock, PYTHON_LOCKS } from '../locks/python-locks';

/** Options of pip and `uv pip` that take a value (the next word, or `=value`). */
const VALUED_OPTIONS = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '--build-constraints',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--trusted-host',
  '--only-binary',
  '--no-binary',
  '--python',
  '--python-version',
  '--python-platform',
  '--platform',
  '--implementation',
  '--abi',
  '-t',
  '--target',
  '--prefix',
  '--root',
  '--src',
  '--cache-dir',
  '--log',
  '--report',
  '--progress-bar',
  '--upgrade-strategy',
  '--timeout',
  '--retries',
]);
const REQUIREMENT_OPTIONS = new Set(['-r', '--requirement']);
/** Options that name a package to install (`-e ./src`): never allowed. */
const PACKAGE_OPTIONS = new Set(['-e', '--editable']);

/** Every command of a buildspec (JSON, as CDK renders it, or YAML), phase by phase. */
export function buildSpecCommands(buildSpec: string): string[] {
  let spec: unknown;
  try {
    spec = JSON.parse(buildSpec);
  } catch {
    spec = parse(buildSpec);
  }
  const phases = asObject(asObject(spec)?.phases);
  if (!phases)
    throw new Error('not a buildspec with phases (a buildspec file of the source is not read here)');
  return Object.values(phases).flatMap((phase) =>
    [...asList(asObject(phase)?.commands), ...asList(asObject(phase)?.finally)].map(String),
  );
}

/** The words of a shell command: quotes removed, `\` escapes kept literal. */
function words(command: string): string[] {
  return [...command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** What one install command installs: the requirement files it names, and anything else it would install. */
export function installArguments(command: string): { requirementFiles: string[]; packages: string[] } {
  const all = words(command);
  const verb = all.findIndex((w, i) => /^pip3?$/.test(all[i - 1] ?? '') && /^(install|sync)$/.test(w));
  const sync = all[verb] === 'sync';
  const requirementFiles: string[] = [];
  const packages: string[] = [];
  const rest = all.slice(verb + 1);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    const [option, inline] = word.startsWith('--')
      ? [word.split('=')[0], word.split('=')[1]]
      : [word, undefined];
    if (/^-r./.test(word)) requirementFiles.push(word.slice(2));
    else if (PACKAGE_OPTIONS.has(option)) packages.push(inline ?? rest[++i] ?? option);
    else if (VALUED_OPTIONS.has(option)) {
      const value = inline ?? rest[++i];
      if (REQUIREMENT_OPTIONS.has(option) && value !== undefined) requirementFiles.push(value);
    } else if (!word.startsWith('-')) {
      // uv's sync verb takes its lock as an argument; an install's other arguments are packages.
      (sync ? requirementFiles : packages).push(word);
    }
  }
  return { requirementFiles, packages };
}

/** A file's content as a build's source holds it, or undefined when the source has no such file. */
export type SourceFile = (file: string) => string | undefined;

const sha256 = (text: string) => createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');

/** The declared locks by the digest of their content, each with the problems `npm run lock` would fix. */
function declaredLocks(
  locks: readonly PythonLock[],
  root: string,
): Map<string, { lock: PythonLock; problems: string[] }> {
  return new Map(
    locks.map((lock) => {
      let text = '';
      try {
        text = readFileSync(join(root, lock.lock), 'utf8');
      } catch {
        // a missing lock is one of its problems
      }
      return [sha256(text), { lock, problems: lockProblems(lock, root) }];
    }),
  );
}

/**
 * Why the Python package installs of a buildspec's commands are not each exactly a declared,
 * current lock installed with hashes: every install the finder of lib/platform/locks/install-commands.ts
 * sees (pip, pip3, `python -m pip`, uv's pip interface) must have `--require-hashes`, install only `-r <file>`
 * (`--requirement`), no package named on the command line, and each file must be, as the
 * build's source ships it, a lock of lib/platform/locks/python-locks.ts that `lockProblems` finds current.
 */
export function buildSpecInstallProblems(
  buildSpec: string,
  source: SourceFile,
  locks: readonly PythonLock[] = PYTHON_LOCKS,
  root: string = REPO_ROOT,
): string[] {
  let commands: string[];
  try {
    commands = buildSpecCommands(buildSpec);
  } catch (error) {
    return [`buildspec: ${(error as Error).message}`];
  }
  const declared = declaredLocks(locks, root);
  return commands.flatMap((line) =>
    installCommands(line).flatMap(({ command }) => {
      const problems: string[] = [];
      const { requirementFiles, packages } = installArguments(command);
      if (!command.includes('--require-hashes')) problems.push('does not require hashes (--require-hashes)');
      if (packages.length > 0)
        problems.push(`installs packages named on the command line: ${packages.join(', ')}`);
      if (requirementFiles.length === 0) problems.push('installs no lock (-r <lock>)');
      for (const file of requirementFiles) {
        const text = source(file);
        const found = text === undefined ? undefined : declared.get(sha256(text));
        if (text === undefined) problems.push(`${file} is not in the build's source`);
        else if (!found) problems.push(`${file} is not a lock of lib/platform/locks/python-locks.ts`);
        else if (found.problems.length > 0)
          problems.push(`${file} (${found.lock.lock}): ${found.problems.join('; ')}`);
      }
      return problems.map((problem) => `${command}: ${problem}`);
    }),
  );
}
