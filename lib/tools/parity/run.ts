import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { synthesizePlatform } from '../../platform/app/synthesize';
import { assemblyConfig } from './assembly-config';
import { checkParity } from './check';
import type { ParityResult } from './compare';

/** The cloud assembly `npx cdk synth` wrote to `dir`, and the configuration it was synthesized with. */
export function readAssembly(dir: string) {
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`${dir} is not a cloud assembly (no manifest.json): run npx cdk synth -o ${dir} first`);
  }
  const assembly = new CloudAssembly(dir);
  return { assembly, config: assemblyConfig(assembly) };
}

/**
 * The parity check of the cloud assembly at `assemblyDir` (what `npx cdk synth` wrote, so that CI
 * checks exactly what it deploys), or of every environment synthesized now.
 */
export function runParity(assemblyDir?: string): ParityResult {
  const outdir = assemblyDir ? undefined : mkdtempSync(join(tmpdir(), 'mlenv-parity-'));
  try {
    const { assembly, config } = assemblyDir ? readAssembly(assemblyDir) : synthesizePlatform({ outdir });
    return checkParity(assembly, config);
  } finally {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  }
}
