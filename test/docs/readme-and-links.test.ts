import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { documents, ROOT } from './documents';

/**
 * The README stays a page read in one sitting (issue 29: at most 300 lines), and every relative
 * link of the documentation leads somewhere: to a file or folder of the repository, and where it
 * names a heading of a Markdown page, to a heading that page has.
 */
const README_MAX_LINES = 300;

test(`README.md has at most ${README_MAX_LINES} lines`, () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(README_MAX_LINES);
});

/** The text of a page without its code: fenced blocks, inline code spans and HTML comments. */
function prose(markdown: string): string {
  return markdown
    .replace(/^( {0,3})(```|~~~)[\s\S]*?^\1\2[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/<!--[\s\S]*?-->/g, '');
}

/** The relative link targets of a page: inline `[text](target)` and reference `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const reference = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...reference].filter((target) => !/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(target));
}

/** GitHub's anchors of a Markdown page's headings (lower case, punctuation dropped, spaces to hyphens; repeats numbered). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const headings = markdown
    .replace(/^( {0,3})(```|~~~)[\s\S]*?^\1\2[^\n]*$/gm, '')
    .matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm);
  for (const [, heading] of headings) {
    const slug = heading
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

const links = documents().flatMap((document) =>
  linkTargets(readFileSync(join(ROOT, document), 'utf8')).map((target) => ({ document, target })),
);

test('the documentation has relative links to check', () => {
  expect(links.filter((l) => l.document === 'README.md').length).toBeGreaterThan(10);
  expect(new Set(links.map((l) => l.document)).size).toBeGreaterThan(5);
});

test.each(links.map((l) => [`${l.document} -> ${l.target}`, l] as const))(
  '%s leads somewhere',
  (_where, link) => {
    const [path, anchor] = link.target.split('#', 2) as [string, string | undefined];
    const file =
      path === ''
        ? join(ROOT, link.document)
        : join(ROOT, path.startsWith('/') ? '' : dirname(link.document), decodeURI(path));
    const where = relative(ROOT, file);
    // Inside the repository (a fresh clone has nothing around it), and there.
    expect({ where, inside: !where.startsWith('..'), exists: existsSync(file) }).toEqual({
      where,
      inside: true,
      exists: true,
    });
    if (anchor && file.endsWith('.md') && statSync(file).isFile()) {
      expect(anchors(readFileSync(file, 'utf8'))).toContain(anchor);
    }
  },
);
