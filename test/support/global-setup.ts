import { rmSync } from 'node:fs';
import { synthesizePlatform } from '../../lib/app/synthesize';
import { PLATFORM_OUTDIR, TEST_CONTEXT } from './platform';

/** Synthesizes the platform once per test run; tests that only read templates share it. */
export default function globalSetup(): void {
  rmSync(PLATFORM_OUTDIR, { recursive: true, force: true });
  synthesizePlatform({ outdir: PLATFORM_OUTDIR, context: TEST_CONTEXT });
}
