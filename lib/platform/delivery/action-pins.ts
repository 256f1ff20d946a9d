import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The committed table of the actions the workflows use, each pinned to one commit. */
export const ACTION_PINS_FILE = join(__dirname, 'action-pins.json');

/** One action (`owner/repo`), the release tag it is pinned at and that tag's commit. */
export interface ActionPin {
  readonly action: string;
  readonly tag: string;
  readonly sha: string;
}

/** The pins of `file`, checked: one clear line naming the entry and field that is wrong. */
export function readActionPins(file: string = ACTION_PINS_FILE): ActionPin[] {
  const pins = JSON.parse(readFileSync(file, 'utf8')) as ActionPin[];
  pins.forEach((pin, i) => {
    const problem = !/^[\w.-]+\/[\w.-]+$/.test(pin.action)
      ? 'action: not owner/repo'
      : !/^v\d+\.\d+\.\d+$/.test(pin.tag)
        ? 'tag: not a release tag vMAJOR.MINOR.PATCH'
        : !/^[0-9a-f]{40}$/.test(pin.sha)
          ? 'sha: not a full 40-hex commit'
          : undefined;
    if (problem) throw new Error(`${file}: entry ${i} (${pin.action}) ${problem}`);
  });
  return pins;
}

/** The `uses:` of `action` pinned to its commit, and its tag for the comment beside it. */
export function pinnedUses(pins: readonly ActionPin[], action: string): { uses: string; tag: string } {
  const pin = pins.find((p) => p.action === action);
  if (!pin) throw new Error(`${ACTION_PINS_FILE}: no pin for ${action}; add it (then npm run workflows)`);
  return { uses: `${pin.action}@${pin.sha}`, tag: pin.tag };
}

/**
 * The tags of a repository and the commits they name, from `git ls-remote --tags <url>` output
 * (`<sha>\trefs/tags/<tag>`, and `<sha>\trefs/tags/<tag>^{}` for the commit of an annotated tag).
 */
export function parseLsRemoteTags(output: string): Map<string, string> {
  const tags = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{40})\s+refs\/tags\/(.+?)(\^\{\})?$/.exec(line.trim());
    if (!match) continue;
    (match[3] ? peeled : tags).set(match[2], match[1]);
  }
  for (const [tag, sha] of peeled) tags.set(tag, sha);
  return tags;
}

/** Runs `git ls-remote --tags <url>` and returns its output. */
export type ListRemoteTags = (url: string) => string;

/**
 * Each pin moved to the newest release tag (`vX.Y.Z`, no pre-release) of its major version and
 * that tag's commit, as `listTags` reports the action's GitHub repository.
 */
export function newestPins(pins: readonly ActionPin[], listTags: ListRemoteTags): ActionPin[] {
  return pins.map((pin) => {
    const major = /^v(\d+)\./.exec(pin.tag)![1];
    const tags = parseLsRemoteTags(listTags(`https://github.com/${pin.action}`));
    const [newest] = [...tags.keys()]
      .map((tag) => ({ tag, version: /^v(\d+)\.(\d+)\.(\d+)$/.exec(tag)?.slice(1).map(Number) }))
      .filter((t): t is { tag: string; version: number[] } => t.version?.[0] === Number(major))
      .sort((a, b) => b.version[1] - a.version[1] || b.version[2] - a.version[2]);
    if (!newest) throw new Error(`${pin.action}: no release tag v${major}.x.y among its tags`);
    return { action: pin.action, tag: newest.tag, sha: tags.get(newest.tag)! };
  });
}

/** The table as committed (what prettier leaves as it is). */
export function renderActionPins(pins: readonly ActionPin[]): string {
  return `${JSON.stringify(pins, null, 2)}\n`;
}
