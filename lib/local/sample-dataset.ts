import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../app/cdk-context';
import { DEFAULT_PYTHON } from './jobs/job-options';

const generated = new Map<number | undefined, string>();

/**
 * The sample raw dataset of `ml/make_sample_data.py` (`rows` sampled rows, or all), as CSV text.
 * The script is deterministic (a fixed seed), so each size is generated once per process.
 */
export function sampleDataset(rows?: number): string {
  let csv = generated.get(rows);
  if (csv === undefined) {
    csv = generate(rows);
    generated.set(rows, csv);
  }
  return csv;
}

function generate(rows?: number): string {
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
