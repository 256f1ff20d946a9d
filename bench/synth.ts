import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/app/cdk-context';
import { synthesizePlatform } from '../lib/app/synthesize';
import { median } from './median';

/**
 * Synth wall time: `npx cdk synth --quiet` as a user runs it (CLI, app process, every
 * environment), and the app's own synthesis in-process. Median of RUNS each, measured in one run.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function time(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function withTempDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-bench-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cli: number[] = [];
const inProcess: number[] = [];
for (let i = 0; i < RUNS; i++) {
  cli.push(
    withTempDir((out) =>
      time(() => {
        const run = spawnSync(
          join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
          ['synth', '--quiet', '--no-notices', '-o', out],
          {
            cwd: REPO_ROOT,
            encoding: 'utf8',
          },
        );
        if (run.status !== 0) throw new Error(`cdk synth failed:\n${run.stderr}`);
      }),
    ),
  );
  inProcess.push(withTempDir((outdir) => time(() => synthesizePlatform({ outdir }))));
}

const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(2)} s (runs: ${xs.map((x) => x.toFixed(2)).join(', ')})`;
console.log(`npx cdk synth --quiet (all environments): ${fmt(cli)}`);
console.log(`in-process synth (all environments):      ${fmt(inProcess)}`);
console.log(`ratio CLI / in-process: ${(median(cli) / median(inProcess)).toFixed(2)}`);

console.log('resources per stack:');
withTempDir((outdir) => {
  for (const stack of synthesizePlatform({ outdir }).assembly.stacksRecursively) {
    const resources = Object.values(stack.template.Resources ?? {}) as Array<{ Type: string }>;
    const byType = resources.reduce<Record<string, number>>(
      (c, r) => ({ ...c, [r.Type]: (c[r.Type] ?? 0) + 1 }),
      {},
    );
    console.log(`  ${stack.hierarchicalId.padEnd(16)} ${resources.length}  ${JSON.stringify(byType)}`);
  }
});
