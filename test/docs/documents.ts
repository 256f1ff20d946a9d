import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root. */
export const ROOT = join(__dirname, '..', '..');

/** Every page of the documentation, repository-relative: the README and docs/**\/*.md. */
export function documents(): string[] {
  const under = (folder: string): string[] =>
    readdirSync(join(ROOT, folder), { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory()
          ? under(`${folder}/${entry.name}`)
          : entry.name.endsWith('.md')
            ? [`${folder}/${entry.name}`]
            : [],
      )
      .sort();
  return ['README.md', ...under('docs')];
}

/** A fenced code block that a marker comment names. */
export interface MarkedBlock {
  /** The page that holds it. */
  readonly document: string;
  /** The block's lines, without its fences. */
  readonly lines: string[];
}

/**
 * The code block after `<!-- example: <name> -->` (a line of its own), wherever in the documentation
 * it is. Tests read pages only through such markers, never through their sentences, so prose can be
 * rewritten and moved freely; a marker missing, repeated, or not followed by a code block fails.
 */
export function markedBlock(name: string): MarkedBlock {
  const marker = `<!-- example: ${name} -->`;
  const line = new RegExp(`^${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \t]*$`, 'gm');
  const found = documents().flatMap((document) => {
    const text = readFileSync(join(ROOT, document), 'utf8');
    return [...text.matchAll(line)].map((match) => ({ document, text, at: match.index }));
  });
  if (found.length !== 1) {
    const where = found.map((f) => f.document).join(', ') || 'no page';
    throw new Error(`'${marker}' must be in exactly one place of the documentation; it is in ${where}`);
  }
  const { document, text, at } = found[0];
  const block = /^\s*```[\w-]*\n([\s\S]*?)^```/m.exec(text.slice(at + marker.length));
  if (!block || !/^\s*```/.test(text.slice(at + marker.length))) {
    throw new Error(`${document}: '${marker}' is not followed by a code block`);
  }
  return { document, lines: block[1].replace(/\n$/, '').split('\n') };
}

/** The README's test command: the quickstart block's `npm test ...` line, without its comment. */
export function readmeTestCommand(): string {
  const quickstart = markedBlock('quickstart');
  const line = quickstart.lines.find((l) => /^npm test\b/.test(l));
  if (quickstart.document !== 'README.md' || !line) {
    throw new Error(
      `the quickstart block (${quickstart.document}) must be the README's, with an \`npm test\` line`,
    );
  }
  return line.replace(/#.*/, '').trim();
}
