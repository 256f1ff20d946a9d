import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import {
  type ActionPin,
  newestPins,
  parseLsRemoteTags,
  readActionPins,
  renderActionPins,
} from '../../lib/platform/delivery/action-pins';

const WORKFLOWS = join(REPO_ROOT, '.github', 'workflows');
const sha = (c: string) => c.repeat(40);

/** Every `uses:` line of every workflow file, as written (YAML parsers drop the comment). */
const usesLines = readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((file) =>
    readFileSync(join(WORKFLOWS, file), 'utf8')
      .split('\n')
      .filter((line) => /^\s*(-\s+)?uses:/.test(line))
      .map((line) => ({ file, line: line.trim().replace(/^-\s+/, '') })),
  );

describe('the committed workflows', () => {
  test('use actions (the rule below would prove nothing otherwise)', () => {
    expect(usesLines.length).toBeGreaterThan(0);
  });

  test('pin every action to a full commit with its release tag beside it, or call a local workflow', () => {
    const pinned = /^uses: [\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;
    const local = /^uses: \.\/[\w./-]+$/;
    expect(usesLines.filter(({ line }) => !pinned.test(line) && !local.test(line))).toEqual([]);
  });

  test("pin each action to the commit the table gives its tag, and the table's every entry is used", () => {
    const table = readActionPins();
    const used = usesLines.flatMap(({ line }) => {
      const match = /^uses: ([^@\s]+)@([0-9a-f]{40}) # (\S+)$/.exec(line);
      return match ? [{ action: match[1], sha: match[2], tag: match[3] }] : [];
    });
    for (const use of used) expect(table).toContainEqual(use);
    expect(table.filter((pin) => !used.some((u) => u.action === pin.action))).toEqual([]);
  });
});

describe('git ls-remote --tags output', () => {
  test('gives each tag its commit: a lightweight tag its own line, an annotated one its peeled ^{} line', () => {
    const output = [
      `${sha('a')}\trefs/tags/v4.1.0`,
      `${sha('b')}\trefs/tags/v4.2.0`, // the tag object
      `${sha('c')}\trefs/tags/v4.2.0^{}`, // the commit it names
      `${sha('d')}\trefs/heads/main`,
      '',
    ].join('\n');
    expect(Object.fromEntries(parseLsRemoteTags(output))).toEqual({ 'v4.1.0': sha('a'), 'v4.2.0': sha('c') });
  });
});

describe('npm run workflows -- --update-actions', () => {
  const pins: ActionPin[] = [
    { action: 'actions/checkout', tag: 'v4.1.0', sha: sha('1') },
    { action: 'aws-actions/configure-aws-credentials', tag: 'v4.0.0', sha: sha('2') },
  ];
  const remotes: Record<string, string> = {
    'https://github.com/actions/checkout': [
      `${sha('a')}\trefs/tags/v4`, // the moving major tag: never pinned by name
      `${sha('b')}\trefs/tags/v4.2.0`,
      `${sha('c')}\trefs/tags/v4.10.1`, // newer than 4.2.0 (numeric, not text, order)
      `${sha('d')}\trefs/tags/v4.11.0-beta.1`, // a pre-release
      `${sha('e')}\trefs/tags/v5.0.0`, // another major
    ].join('\n'),
    'https://github.com/aws-actions/configure-aws-credentials': [
      `${sha('f')}\trefs/tags/v4.3.1`,
      `${sha('9')}\trefs/tags/v4.3.1^{}`,
    ].join('\n'),
  };
  const asked: string[] = [];
  const lsRemote = (url: string) => (asked.push(url), remotes[url] ?? '');

  test("moves each pin to the newest release of its major, at the tag's commit, asking each action's GitHub repository", () => {
    expect(newestPins(pins, lsRemote)).toEqual([
      { action: 'actions/checkout', tag: 'v4.10.1', sha: sha('c') },
      { action: 'aws-actions/configure-aws-credentials', tag: 'v4.3.1', sha: sha('9') },
    ]);
    expect(asked).toEqual(Object.keys(remotes));
  });

  test('refuses an action with no release of its major, naming it', () => {
    expect(() => newestPins([{ action: 'someone/action', tag: 'v2.0.0', sha: sha('3') }], lsRemote)).toThrow(
      'someone/action: no release tag v2.x.y among its tags',
    );
  });

  test('writes a table the pins reader takes back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-pins-'));
    try {
      const file = join(dir, 'action-pins.json');
      writeFileSync(file, renderActionPins(pins));
      expect(readActionPins(file)).toEqual(pins);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['sha', { sha: 'abc123' }, 'entry 0 (actions/checkout) sha: not a full 40-hex commit'],
    ['tag', { tag: 'v4' }, 'entry 0 (actions/checkout) tag: not a release tag vMAJOR.MINOR.PATCH'],
    ['action', { action: 'checkout' }, 'entry 0 (checkout) action: not owner/repo'],
  ])('a table entry with a bad %s is refused in one line naming it', (_field, change, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-pins-'));
    try {
      const file = join(dir, 'action-pins.json');
      writeFileSync(file, JSON.stringify([{ ...pins[0], ...change }]));
      expect(() => readActionPins(file)).toThrow(`${file}: ${message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
