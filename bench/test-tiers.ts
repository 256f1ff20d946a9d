import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { median } from './median';

/**
 * The fast loop's wall time: `npm run test:unit` as a developer runs it (npm, jest, the unit tier's
 * every file), RUNS times in one run, after one unmeasured run that fills jest's transform cache.
 * The goal is under 45 s on the dev machine (2 cores). Each run's one-minute load average is
 * printed beside it: on a shared machine, other work slows a run as much as the tests do.
 */
const RUNS = Number(process.env.BENCH_TEST_RUNS ?? 3);
const GOAL_SECONDS = 45;
const ROOT = join(__dirname, '..');

/**
 * One run's wall time. A run whose tests fail still counts (a working tree mid-change is timed as
 * it is), and says so with jest's summary.
 */
function testUnit(): number {
  const started = process.hrtime.bigint();
  const run = spawnSync('npm', ['run', '--silent', 'test:unit', '--', '--ci', '--silent'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    const summary = run.stderr.split('\n').filter((l) => /^(Test Suites|Tests):/.test(l));
    console.error(`npm run test:unit failed (exit ${run.status}): ${summary.join('; ') || run.stderr}`);
  }
  return wall;
}

testUnit(); // warm: the transform cache, as after a developer's first run
const runs: Array<{ wall: number; load: number }> = [];
for (let i = 0; i < RUNS; i++) {
  const load = loadavg()[0];
  runs.push({ wall: testUnit(), load });
  console.error(`test:unit run ${i + 1}/${RUNS}: ${runs[i].wall.toFixed(1)} s (load ${load.toFixed(1)})`);
}

const walls = runs.map((r) => r.wall);
const verdict = median(walls) <= GOAL_SECONDS ? 'within' : 'over';
console.log(
  `npm run test:unit (unit tier, ${cpus().length} cores): median ${median(walls).toFixed(1)} s ` +
    `(runs: ${runs.map((r) => `${r.wall.toFixed(1)} at load ${r.load.toFixed(1)}`).join(', ')}); ` +
    `${verdict} the ${GOAL_SECONDS} s goal`,
);
