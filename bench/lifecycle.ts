import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/repo-root';
import { median } from './median';

/**
 * The main command's wall time: `npm start` as a user runs it (setup, synth and parity, the whole
 * lifecycle in the local environment, down), RUNS times in one run, with the median of each part
 * as the main job reports them (`MLENV_TIMINGS_FILE`). The goal is under 60 s on the dev machine.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GOAL_SECONDS = 60;

type Timings = Record<string, number | Record<string, number>>;
const runs: Array<{ wall: number; timings: Timings }> = [];
const dir = mkdtempSync(join(tmpdir(), 'mlenv-bench-lifecycle-'));
try {
  for (let i = 0; i < RUNS; i++) {
    const file = join(dir, `timings-${i}.json`);
    const started = process.hrtime.bigint();
    const run = spawnSync('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MLENV_TIMINGS_FILE: file },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`npm start failed (exit ${run.status}) in run ${i + 1}`);
    runs.push({ wall, timings: JSON.parse(readFileSync(file, 'utf8')) as Timings });
    console.error(`run ${i + 1}/${RUNS}: ${wall.toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const row = (name: string, values: number[]) =>
  `${name.padEnd(30)} ${median(values).toFixed(1).padStart(6)} s   (${values.map((v) => v.toFixed(1)).join(', ')})`;
const part = (key: string) => runs.map((r) => Number(r.timings[key] ?? 0));
const state = (group: string, name: string) =>
  runs.map((r) => Number((r.timings[group] as Record<string, number> | undefined)?.[name] ?? 0));

const wall = runs.map((r) => r.wall);
const lines = [
  `npm start (main command), median of ${RUNS} in one run:`,
  row('wall time', wall),
  row('  synth every environment', part('synth')),
  row('  local up (deploy Local/*)', part('up')),
  row('  train', part('train')),
  ...Object.keys(runs[0].timings.trainStates as Record<string, number>).map((s) =>
    row(`    ${s}`, state('trainStates', s)),
  ),
  row('  serve (pin, deploy, start)', part('serve')),
  row('  smoke (2 x 100 requests)', part('smoke')),
  row('  drift (check + retraining)', part('drift')),
  ...Object.keys((runs[0].timings.retrainStates as Record<string, number>) ?? {}).map((s) =>
    row(`    retrain ${s}`, state('retrainStates', s)),
  ),
  `goal: under ${GOAL_SECONDS} s; median ${median(wall).toFixed(1)} s is ${(median(wall) / GOAL_SECONDS).toFixed(2)} of it`,
];
console.log(lines.join('\n'));
