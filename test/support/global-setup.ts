import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { OUTDIR_VARIABLE, TEST_CONTEXT } from './platform';

/**
 * Synthesizes the platform once per test run; tests that only read templates share it. Each run
 * gets its own directory, so that runs side by side do not read each other's half-written output.
 */
export default function globalSetup(): void {
  const parent = join(REPO_ROOT, 'test', '.out');
  mkdirSync(parent, { recursive: true });
  const outdir = mkdtempSync(join(parent, 'cdk.out-'));
  process.env[OUTDIR_VARIABLE] = outdir; // inherited by the test workers
  synthesizePlatform({ outdir, context: TEST_CONTEXT });
}
