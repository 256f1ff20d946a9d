import { App, Stack } from 'aws-cdk-lib';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installCommands, unhashedInstalls } from '../../lib/platform/locks/install-commands';
import { REPO_ROOT } from '../../config/repo-root';
import { VENV_LOCK, BUILD_LOCK } from '../../lib/platform/locks/python-locks';
import { syncArguments } from '../../lib/platform/locks/venv-setup';
import { modelSourceCode } from '../../lib/platform/stacks/training-stack';
import { platformAssembly } from '../support/platform';

/** Everything that runs on a machine or in a build: scripts, code, workflows, the CI entry point. */
const RUNNABLE =
  /^(scripts\/|bin\/|lib\/|constructs\/|config\/|ml\/.*\.(py|sh|yml|yaml)$|\.github\/|\.ci\/|package\.json$|cdk\.json$)/;

const runnableFiles = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => RUNNABLE.test(file));

describe('package installs check hashes', () => {
  test('no script, code path, workflow or CI step installs Python packages without --require-hashes', () => {
    const unhashed = runnableFiles.flatMap((file) =>
      unhashedInstalls(readFileSync(join(REPO_ROOT, file), 'utf8')).map(
        (c) => `${file}:${c.line}: ${c.command}`,
      ),
    );
    expect(unhashed).toEqual([]);
  });

  test('the setup installs into .venv exactly its lock, with hashes, and builds only the declared packages from source', () => {
    const args = syncArguments();
    expect(args.slice(0, 2)).toEqual(['pip', 'sync']); // sync: what the lock does not list is removed
    expect(args).toContain('--require-hashes');
    expect(args.at(-1)).toBe(VENV_LOCK.lock);
    expect(args[args.indexOf('--build-constraints') + 1]).toBe(BUILD_LOCK.lock);
    expect(args[args.indexOf('--only-binary') + 1]).toBe(':all:');
    const fromSource = args.flatMap((a, i) => (a === '--no-binary' ? [args[i + 1]] : []));
    expect(fromSource).toEqual(VENV_LOCK.sourceBuilds);
  });

  test('no Glue job installs Python modules at run time (Glue would pip-install them from PyPI, unhashed, at every run)', () => {
    const { assembly } = platformAssembly();
    const jobs = assembly.stacksRecursively.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {})
        .filter(([, r]) => (r as { Type: string }).Type === 'AWS::Glue::Job')
        .map(([id, r]) => ({
          job: `${stack.hierarchicalId}/${id}`,
          args: Object.keys(
            (r as { Properties: { DefaultArguments?: object } }).Properties.DefaultArguments ?? {},
          ),
        })),
    );
    expect(jobs.length).toBeGreaterThan(0);
    const installing = jobs.filter(({ args }) =>
      args.some((a) => ['--additional-python-modules', '--python-modules-installer-option'].includes(a)),
    );
    expect(installing).toEqual([]);
  });

  test("no model's source archive ships a requirements file (the framework container would pip-install it, unhashed, at every job start)", () => {
    const { config } = platformAssembly();
    for (const model of config.models) {
      const { files } = modelSourceCode(model).bind(new Stack(new App(), 'Workload'), 'Source');
      expect(files.length).toBeGreaterThan(0);
      expect({
        model: model.name,
        shipped: files.filter((f) => /requirements|constraints|setup\.py|pyproject/i.test(f)),
      }).toEqual({ model: model.name, shipped: [] });
    }
  });

  test('the finder sees installs written as shell lines and as argument lists, and tells the unhashed ones', () => {
    const text = [
      'pip install --no-cache-dir -r requirements.txt',
      'python -m pip install \\',
      '  --require-hashes -r a.lock && pip3 install boto3',
      "run(uv, ['pip', 'sync', '--python', python, lock]);",
      "run(uv, ['pip', 'sync', '--require-hashes', lock]);",
    ].join('\n');
    expect(installCommands(text)).toHaveLength(5);
    expect(unhashedInstalls(text).map((c) => c.line)).toEqual([1, 3, 4]);
  });
});
