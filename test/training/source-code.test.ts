import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { SourceCode } from '../../constructs';
import { deterministicTarGz } from '../../cfn/deterministic-tar';
import { REPO_ROOT } from '../../config/repo-root';
import { SOURCE } from '../support/training-fixtures';
import { testApp } from '../support/test-app';

const ML = join(REPO_ROOT, 'ml');
const CHURN = join(ML, 'models', 'churn');
const LIBRARY = join(ML, 'mlenv_model');
const pythonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.py'));

describe('SourceCode', () => {
  test('ships the workload as a sourcedir.tar.gz that tar extracts to the same files', () => {
    const stack = new Stack(testApp(), 'S');
    const code = SOURCE.bind(stack, 'Code');
    expect(stack.resolve(code.s3Uri)).toEqual({ 'Fn::Sub': expect.stringMatching(/^s3:\/\/cdk-.+\.gz$/) });
    expect(code.archiveName).toMatch(/^[0-9a-f]{64}\.gz$/);
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-src-'));
    execFileSync('tar', ['-xzf', code.localPath, '-C', dir]);
    // The model's top-level scripts beside the library package, each byte for byte.
    expect(readdirSync(dir).sort()).toEqual([...pythonFiles(CHURN), 'mlenv_model'].sort());
    expect(readdirSync(join(dir, 'mlenv_model')).sort()).toEqual(pythonFiles(LIBRARY).sort());
    expect(code.files).toEqual(expect.arrayContaining(['train.py', 'mlenv_model/__init__.py']));
    for (const name of code.files) {
      const source = name.startsWith('mlenv_model/') ? join(ML, name) : join(CHURN, name);
      expect(readFileSync(join(dir, name), 'utf8')).toBe(readFileSync(source, 'utf8'));
    }
  });

  test('builds the same bytes for the same files, so the asset hash moves only with the code', () => {
    const files = [
      { name: 'a.py', content: Buffer.from('print(1)\n') },
      { name: 'b.py', content: Buffer.from('x = 2\n') },
    ];
    expect(deterministicTarGz(files).equals(deterministicTarGz([...files].reverse()))).toBe(true);
    expect(
      deterministicTarGz(files).equals(
        deterministicTarGz([{ ...files[0], content: Buffer.from('print(2)\n') }, files[1]]),
      ),
    ).toBe(false);
    const first = SOURCE.bind(new Stack(testApp(), 'A'), 'Code').archiveName;
    const second = SOURCE.bind(new Stack(testApp(), 'B'), 'Code').archiveName;
    expect(first).toBe(second);
  });

  test('by default takes the top-level Python files, not the tests', () => {
    const code = SourceCode.fromDirectory(CHURN).bind(new Stack(testApp(), 'D'), 'Code');
    expect(code.files).toEqual(expect.arrayContaining(['train.py', 'inference.py', 'make_sample_data.py']));
    expect(code.files.every((f) => f.endsWith('.py') && !f.includes('/'))).toBe(true);
  });

  test('fails clearly on a missing directory or file', () => {
    expect(() => SourceCode.fromDirectory('/no/such/dir')).toThrow(
      'Source directory not found: /no/such/dir',
    );
    expect(() => SourceCode.fromDirectory(CHURN, { files: ['train.py', 'nope.py'] })).toThrow(
      /Source files not found in .*: nope\.py/,
    );
    expect(() => SourceCode.fromDirectory(CHURN, { packages: [join(ML, 'models')] })).toThrow(
      `Not a Python package (no __init__.py): ${join(ML, 'models')}`,
    );
  });
});
