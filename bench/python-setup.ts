import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/repo-root';
import { VENV_LOCK } from '../lib/platform/locks/python-locks';
import { syncArguments } from '../lib/platform/locks/venv-setup';
import { median } from './median';

/**
 * What a fresh clone spends installing .venv's lock, with pip and with uv, both with hashes
 * required and an empty package cache, alternated RUNS times in one run. It downloads every
 * package each time (about 1 GB with PySpark): `npm run bench:setup`, not part of `npm run bench`.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const python = process.env.PYTHON ?? 'python3';
const uv = join(REPO_ROOT, '.venv', 'bin', 'uv');

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0)
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed (exit ${run.status})`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const installers: Record<string, (venv: string) => number> = {
  // pip in the venv, as the setup did before uv: hashes required, no cache.
  pip: (venv) =>
    timed(
      join(venv, 'bin', 'python'),
      ['-m', 'pip', 'install', '--quiet', '--require-hashes', '--no-deps', '-r', VENV_LOCK.lock],
      {
        PIP_NO_CACHE_DIR: '1',
      },
    ),
  // uv as scripts/setup runs it (lib/platform/locks/venv-setup.ts), no cache.
  uv: (venv) => {
    const args = syncArguments().map((a) =>
      a === join(REPO_ROOT, '.venv', 'bin', 'python') ? join(venv, 'bin', 'python') : a,
    );
    return timed(uv, args, { UV_NO_CACHE: '1' });
  },
};

const seconds: Record<string, number[]> = { pip: [], uv: [] };
for (let i = 0; i < RUNS; i++) {
  for (const [name, install] of Object.entries(installers)) {
    const venv = mkdtempSync(join(tmpdir(), `mlenv-bench-${name}-`));
    try {
      timed(python, ['-m', 'venv', venv], {});
      seconds[name].push(install(venv));
      console.error(`run ${i + 1}/${RUNS} ${name}: ${seconds[name].at(-1)?.toFixed(1)} s`);
    } finally {
      rmSync(venv, { recursive: true, force: true });
    }
  }
}
const row = (name: string) =>
  `${name.padEnd(4)} median ${median(seconds[name]).toFixed(1)} s (runs: ${seconds[name].map((s) => s.toFixed(1)).join(', ')})`;
console.log(`installing ${VENV_LOCK.lock} into a new venv, hashes required, empty cache, ${RUNS} runs:`);
console.log(row('pip'));
console.log(row('uv'));
console.log(`uv takes ${(median(seconds.uv) / median(seconds.pip)).toFixed(2)} x pip's time`);
