import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './median';

/**
 * The fast loop's wall time: `npm run test:unit` as a developer runs it (npm, jest, the unit tier's
 * every file), RUNS times in one run, after one unmeasured run that fills jest's transform cache.
 * The goal is under 45 s on the dev machine (2 cores). On a shared machine other work slows a run
 * as much as the tests do, so each run also gives its one-minute load average and the CPU time of
 * its processes (bash's `time`: the tests' own cost, whatever else runs): CPU / cores is what the
 * run takes on an idle machine at best.
 */
const RUNS = Number(process.env.BENCH_TEST_RUNS ?? 3);
const GOAL_SECONDS = 45;
const ROOT = join(__dirname, '..');
const CORES = cpus().length;

/**
 * One run. A run whose tests fail still counts (a working tree mid-change is timed as it is), and
 * says so with jest's summary.
 */
function testUnit(): { wall: number; cpu: number; load: number } {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-bench-tests-'));
  try {
    const log = join(dir, 'jest.log');
    const load = loadavg()[0];
    const started = process.hrtime.bigint();
    const run = spawnSync(
      'bash',
      [
        '-c',
        'TIMEFORMAT="%U %S"; { time npm run --silent test:unit -- --ci --silent >"$1" 2>&1; } 2>&1',
        '_',
        log,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const [user, system] = run.stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
    if (run.status !== 0) {
      const summary = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => /^(Test Suites|Tests):/.test(l));
      console.error(`npm run test:unit failed (exit ${run.status}): ${summary.join('; ')}`);
    }
    return { wall, cpu: user + system, load };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

testUnit(); // warm: the transform cache, as after a developer's first run
const runs: Array<ReturnType<typeof testUnit>> = [];
for (let i = 0; i < RUNS; i++) {
  runs.push(testUnit());
  const { wall, cpu, load } = runs[i];
  console.error(
    `test:unit run ${i + 1}/${RUNS}: ${wall.toFixed(1)} s, CPU ${cpu.toFixed(1)} s (load ${load.toFixed(1)})`,
  );
}

const wall = median(runs.map((r) => r.wall));
const cpu = median(runs.map((r) => r.cpu));
console.log(
  `npm run test:unit (unit tier, ${CORES} cores): median ${wall.toFixed(1)} s ` +
    `(runs: ${runs.map((r) => `${r.wall.toFixed(1)} at load ${r.load.toFixed(1)}`).join(', ')}); ` +
    `${wall <= GOAL_SECONDS ? 'within' : 'over'} the ${GOAL_SECONDS} s goal. ` +
    `CPU median ${cpu.toFixed(1)} s: at best ${(cpu / CORES).toFixed(1)} s on ${CORES} idle cores`,
);
