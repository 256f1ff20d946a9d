import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../app/cdk-context';
import { DEFAULT_PYTHON } from './jobs/job-options';

/** The sample raw dataset of `ml/make_sample_data.py` (`rows` sampled rows, or all), as CSV text. */
export function sampleDataset(rows?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-sample-'));
  try {
    const path = join(dir, 'data.csv');
    execFileSync(
      DEFAULT_PYTHON,
      [
        join(REPO_ROOT, 'ml', 'make_sample_data.py'),
        '--output',
        path,
        ...(rows === undefined ? [] : ['--rows', String(rows)]),
      ],
      { stdio: 'pipe' },
    );
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
