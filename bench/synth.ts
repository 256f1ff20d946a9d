import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { environments } from '../config/environments';
import { withModelCount } from '../config/model-count';
import { REPO_ROOT } from '../config/repo-root';
import { CODE_VERSION_CONTEXT } from '../lib/platform/app/platform';
import { synthesizePlatform } from '../lib/platform/app/synthesize';
import { median } from './median';

/**
 * Synth wall time: `npx cdk synth --quiet` as a user runs it (CLI, app process, every
 * environment) and the same for a one-bucket app (the floor: same CLI, same aws-cdk-lib defaults,
 * precompiled), the app's own synthesis in-process, and in-process synthesis with
 * 1, 10 and 50 models; each with its ratio to the floor. Median of RUNS each, measured in one run.
 *
 * The platform's synth records which templates CloudFormation validation passed and keeps its
 * transpiled TypeScript (node_modules/.cache/mlenv): its CLI synth is measured as a user meets it
 * repeated (nothing changed), after a commit (a model stack per environment to validate) and cold
 * (a fresh clone: nothing recorded, nothing transpiled).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'mlenv');

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

/**
 * `npx cdk synth --quiet` in seconds: of `app` (the CDK CLI's `--app`, default: cdk.json's), with
 * `args` added, after `before` (not timed).
 */
function cliSynth(options: { app?: string; args?: readonly string[]; before?: () => void } = {}): number {
  const { app, args = [], before } = options;
  return withTempDir((out) => {
    before?.();
    return time(() => {
      const run = spawnSync(
        join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
        ['synth', '--quiet', '--no-notices', '-o', out, ...(app ? ['--app', app] : []), ...args],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(`cdk synth failed:\n${run.stderr}`);
    });
  });
}

/**
 * A synth after a commit: a new code version, recorded in each model's pipeline (its lineage), so
 * each environment's model stack is a template CloudFormation validation has not seen.
 */
const afterACommit = (i: number) => ['-c', `${CODE_VERSION_CONTEXT}=bench-${process.pid}-${i}`];

const FLOOR_APP = `node ${join('bench', 'floor', 'app.js')}`;
const cold: number[] = [];
const changed: number[] = [];
const repeated: number[] = [];
const floorCli: number[] = [];
const inProcess: number[] = [];
for (let i = 0; i < RUNS; i++) {
  cold.push(cliSynth({ before: () => rmSync(CACHE, { recursive: true, force: true }) }));
  changed.push(cliSynth({ args: afterACommit(i) }));
  repeated.push(cliSynth());
  floorCli.push(cliSynth({ app: FLOOR_APP }));
  inProcess.push(withTempDir((outdir) => time(() => synthesizePlatform({ outdir }))));
}

const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(2)} s (runs: ${xs.map((x) => x.toFixed(2)).join(', ')})`;
const ratio = (xs: number[], to: number[]) => (median(xs) / median(to)).toFixed(2);
console.log(`npx cdk synth --quiet, one-bucket floor:  ${fmt(floorCli)} (${FLOOR_APP}, precompiled)`);
console.log(`npx cdk synth --quiet (all environments):`);
console.log(`  repeated, nothing changed:  ${fmt(repeated)}; ${ratio(repeated, floorCli)} x the floor`);
console.log(
  `  after a commit (new code version, one model stack per env to validate): ${fmt(changed)}; ${ratio(changed, floorCli)} x the floor`,
);
console.log(`  cold (fresh clone):         ${fmt(cold)}; ${ratio(cold, floorCli)} x the floor`);
// In-process, a warm process synthesizes a one-bucket app in about 10 ms (the validation's cost is
// paid once per process): only the CLI floor, one process per synth as users run it, is a floor.
console.log(`in-process synth (all environments):      ${fmt(inProcess)}`);

// Growth with the number of models (the configuration's first model copied N times), in-process.
const MODEL_COUNTS = [1, 10, 50];
const byCount = MODEL_COUNTS.map((n) => {
  const config = loadConfig(withModelCount(environments, n));
  const runs = Array.from({ length: Math.min(RUNS, 3) }, () =>
    withTempDir((outdir) => time(() => synthesizePlatform({ outdir, config }))),
  );
  return { n, runs };
});
for (const { n, runs } of byCount) {
  console.log(
    `in-process synth, ${String(n).padStart(2)} model(s):            ${fmt(runs)} (the first run validates its new templates); ${ratio(runs, byCount[0].runs)} x N = 1, ${ratio(runs, floorCli)} x the CLI floor`,
  );
}
const [first, last] = [byCount[0], byCount.at(-1)!];
console.log(
  `per added model: ${((median(last.runs) - median(first.runs)) / (last.n - first.n)).toFixed(3)} s (linear growth: N = 10 predicts ${(median(first.runs) + ((median(last.runs) - median(first.runs)) / (last.n - first.n)) * 9).toFixed(2)} s, measured ${median(byCount[1].runs).toFixed(2)} s)`,
);

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
