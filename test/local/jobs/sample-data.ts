import { execFileSync } from 'node:child_process';
export { sampleDataset } from '../../../lib/local/sample-dataset';

/** The names of the entries of a `.tar.gz`. */
export function tarEntries(archive: Buffer): string[] {
  return execFileSync('tar', ['-tzf', '-'], { input: archive }).toString().split('\n').filter(Boolean).sort();
}
