import { rmSync } from 'node:fs';
import { OUTDIR_VARIABLE } from './platform';

/** Removes this run's synthesized platform. */
export default function globalTeardown(): void {
  const outdir = process.env[OUTDIR_VARIABLE];
  if (outdir) rmSync(outdir, { recursive: true, force: true });
}
