import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { trackingServerStack } from '../support/tracking-server-stack';

// Platform tier (not listed as a unit test): cfn-lint loads CloudFormation's resource schemas, about 3 s of CPU.
describe('MlflowTrackingServer', () => {
  const { app, stack } = trackingServerStack({ weeklyMaintenanceWindowStart: 'Sun:03:00' });

  test("passes CloudFormation's resource schema (cfn-lint)", () => {
    const assembly = app.synth();
    const file = join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile);
    const run = spawnSync(
      join(REPO_ROOT, '.venv', 'bin', 'cfn-lint'),
      ['--format', 'parseable', '--', file],
      {
        encoding: 'utf8',
      },
    );
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  });
});
