import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { REPO_ROOT } from '../../config/repo-root';
import { mlenvCommand } from '../support/mlenv-command';
import { platformAssembly } from '../support/platform';

const tsx =
  (script: string) =>
  (...args: string[]) =>
    spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [script, ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });

// The same check through both front ends: `npm run parity` and `mlenv parity`.
describe.each([
  {
    command: 'npm run parity -- --assembly <dir>',
    parityCli: tsx('lib/tools/parity/cli.ts'),
    errorStatus: 2,
    prefix: '',
  },
  {
    command: 'mlenv parity --assembly <dir>',
    parityCli: (...args: string[]) => {
      const [file, mlenvArgs] = mlenvCommand('parity', ...args);
      return spawnSync(file, mlenvArgs, { cwd: REPO_ROOT, encoding: 'utf8' });
    },
    errorStatus: 1,
    prefix: 'mlenv: ',
  },
])('$command', ({ parityCli, errorStatus, prefix }) => {
  // The cloud assembly this test run synthesized, as `npx cdk synth` writes it; copied, to be edited.
  const { assembly, config } = platformAssembly();
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-parity-assembly-'));
  cpSync(assembly.directory, dir, { recursive: true });

  test('passes the assembly as synthesized', () => {
    const run = parityCli('--assembly', dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/0 undeclared differences/);
  });

  test("fails once one property of the reference's template is edited by hand", () => {
    const stageId = config.environments.find((e) => e.name === config.reference)!.stageId;
    const stack = new CloudAssembly(dir).stacksRecursively.find(
      (s) => s.hierarchicalId === `${stageId}/Storage`,
    )!;
    const template = JSON.parse(readFileSync(stack.templateFullPath, 'utf8'));
    const [, bucket] = Object.entries<{ Metadata?: Record<string, string>; Properties: Record<string, any> }>(
      template.Resources,
    ).find(([, r]) => r.Metadata?.['aws:cdk:path']?.endsWith('/Storage/Data/RawBucket/Resource'))!;
    bucket.Properties.VersioningConfiguration = { Status: 'Suspended' };
    writeFileSync(stack.templateFullPath, JSON.stringify(template));

    const run = parityCli('--assembly', dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /Storage\/Data\/RawBucket VersioningConfiguration\.Status .*Suspended\s+UNDECLARED/,
    );
    expect(run.stdout).toMatch(/1 undeclared difference,/);
  });

  test('says so, without a stack trace, when the directory is no cloud assembly', () => {
    const run = parityCli('--assembly', mkdtempSync(join(tmpdir(), 'mlenv-empty-')));
    expect(run.status).toBe(errorStatus);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).toMatch(
      new RegExp(`^${prefix}.* is not a cloud assembly \\(no manifest\\.json\\): run npx cdk synth -o `),
    );
  });
});
