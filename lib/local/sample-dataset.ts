import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelConfig, modelCodeDirectory } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { DEFAULT_PYTHON } from '../jobs/job-options';

const generated = new Map<string, string>();

/**
 * A model's sample raw dataset, as CSV text: what its code directory's `make_sample_data.py`
 * writes (`rows` rows, or all), with the shared library (ml/mlenv_model) importable as in its
 * source archive. The scripts are deterministic (a fixed seed), so each is run once per process.
 */
export function sampleDataset(model: Pick<ModelConfig, 'name' | 'code'>, rows?: number): string {
  const script = join(REPO_ROOT, modelCodeDirectory(model), 'make_sample_data.py');
  const key = `${script}\0${rows ?? ''}`;
  let csv = generated.get(key);
  if (csv === undefined) {
    csv = generate(script, rows);
    generated.set(key, csv);
  }
  return csv;
}

function generate(script: string, rows?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-sample-'));
  try {
    const path = join(dir, 'data.csv');
    execFileSync(
      DEFAULT_PYTHON,
      [script, '--output', path, ...(rows === undefined ? [] : ['--rows', String(rows)])],
      { stdio: 'pipe', env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'ml') } },
    );
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
