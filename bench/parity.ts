import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizePlatform } from '../lib/platform/app/synthesize';
import { checkParity } from '../lib/tools/parity/check';
import { median } from './median';

/**
 * The parity check's cost, in one run, medians of RUNS: each environment's counterfactual (the
 * reference rendered in process with its knob values), the check without attribution (as
 * `npm start` runs it) and with it (as `npm run parity` does: one more rendering per distinct knob
 * group value that differs from the reference's). The platform is synthesized once beforehand.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const outdir = mkdtempSync(join(tmpdir(), 'mlenv-bench-parity-'));
try {
  const { assembly, config } = synthesizePlatform({ outdir });
  const seconds = (run: () => void) => {
    const start = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const perEnvironment = new Map<string, number[]>(config.environments.map((e) => [e.name, []]));
  const checks: number[] = [];
  const explained: number[] = [];
  const attribution: number[] = [];
  let renderings = 0;
  for (let run = 0; run < RUNS; run++) {
    checks.push(
      seconds(() => {
        const result = checkParity(assembly, config, { explain: false });
        for (const [env, s] of Object.entries(result.renderSeconds)) perEnvironment.get(env)!.push(s);
      }),
    );
    explained.push(
      seconds(() => {
        const result = checkParity(assembly, config);
        renderings = result.attribution!.renderings;
        attribution.push(result.attribution!.seconds);
      }),
    );
  }
  const line = (name: string, values: number[]) =>
    `${name.padEnd(44)} median ${median(values).toFixed(2)} s (runs: ${values.map((v) => v.toFixed(2)).join(', ')})`;
  console.log(`parity, medians of ${RUNS} in one run:`);
  console.log(
    [
      ...[...perEnvironment].map(([env, values]) => line(`  counterfactual of ${env}`, values)),
      line('check without attribution (npm start)', checks),
      line(`attribution (${renderings} renderings)`, attribution),
      line('check with attribution (npm run parity)', explained),
    ].join('\n'),
  );
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
