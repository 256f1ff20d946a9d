import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../lib/app/cdk-context';
import { DEFAULT_PYTHON } from '../../../lib/local/jobs/job-options';

/** The sample raw dataset of `ml/make_sample_data.py` (`rows` sampled rows), as CSV text. */
export function sampleDataset(rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-sample-'));
  try {
    const path = join(dir, 'data.csv');
    execFileSync(
      DEFAULT_PYTHON,
      [join(REPO_ROOT, 'ml', 'make_sample_data.py'), '--output', path, '--rows', String(rows)],
      {
        stdio: 'pipe',
      },
    );
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The names of the entries of a `.tar.gz`. */
export function tarEntries(archive: Buffer): string[] {
  return execFileSync('tar', ['-tzf', '-'], { input: archive }).toString().split('\n').filter(Boolean).sort();
}
