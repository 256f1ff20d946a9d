import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/app/cdk-context';
import { EMULATOR_GAPS } from '../../lib/local/emulator-gaps';

test('the README lists every emulator gap the local environment works around, as lib/local/emulator-gaps.ts says', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const header = '| emulator gap (moto 5.2.5) | workaround |\n| --- | --- |\n';
  const start = readme.indexOf(header);
  expect(start).toBeGreaterThan(0);
  const following = readme.slice(start + header.length).split('\n');
  const rows = following.slice(
    0,
    following.findIndex((line) => !line.startsWith('|')),
  );
  expect(rows).toEqual(EMULATOR_GAPS.map((g) => `| ${g.what} | ${g.workaround} |`));
});
