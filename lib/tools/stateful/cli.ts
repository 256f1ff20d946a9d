import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizePlatform } from '../../platform/app/synthesize';
import { LOCK_FILE, readLock } from './lock-file';
import { lockProblems, statefulResources } from './lock';

const USAGE = `usage: npm run stateful-lock [-- --update]

Checks that no stateful resource (bucket, key, model package group, log group) of any environment
would be deleted or replaced (logical id, type, physical name), against stateful-resources.lock.json;
--update rewrites the lock.`;

function main(argv: string[]): number {
  if (argv.some((a) => a !== '--update')) {
    console.error(USAGE);
    return 2;
  }
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-lock-'));
  try {
    const current = statefulResources(synthesizePlatform({ outdir }).assembly);
    if (argv.includes('--update')) {
      writeFileSync(LOCK_FILE, `${JSON.stringify(current, null, 2)}\n`);
      console.log(`wrote ${LOCK_FILE}`);
      return 0;
    }
    const problems = lockProblems(readLock(), current);
    console.log(
      problems.length === 0
        ? 'stateful resources: every locked id, type and name in place'
        : problems.join('\n'),
    );
    return problems.length === 0 ? 0 : 1;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
