import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { ALL_PINNED, configWithPins } from '../support/pins';
import { platformAssembly } from '../support/platform';

const CFN_LINT = join(REPO_ROOT, '.venv', 'bin', 'cfn-lint');

/** cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 is a crash. */
function cfnLint(templates: string[]): { errors: boolean; output: string } {
  const run = spawnSync(CFN_LINT, ['--format', 'parseable', '--', ...templates], { encoding: 'utf8' });
  if (run.error) throw run.error;
  const code = run.status ?? 1;
  return { errors: code === 1 || (code & 2) !== 0, output: `${run.stdout}${run.stderr}` };
}

describe('cfn-lint', () => {
  beforeAll(() => {
    if (!existsSync(CFN_LINT)) throw new Error(`${CFN_LINT} is missing: run 'npm run setup' first`);
  });

  // Warnings are findings too; the few that are not ours are ignored, with reasons, in .cfnlintrc.yaml.
  test('every synthesized template has zero errors and zero warnings', () => {
    const { assembly, config } = platformAssembly();
    const templates = assembly.stacksRecursively.map((s) => s.templateFullPath);
    const withVpc = config.environments.filter((e) => e.network === 'vpc').length;
    // Six shared stacks and one per model, and the VPC's where there is one (as the README lists
    // them); with a delivery section, the Delivery stack and one access stack per delivered environment.
    const delivery = config.delivery ? 1 + config.delivery.order.length : 0;
    expect(templates.length).toBe(
      config.environments.length * (6 + config.models.length) + withVpc + delivery,
    );
    const { errors, output } = cfnLint(templates);
    expect(errors).toBe(false);
    expect(output.trim()).toBe(''); // no warnings either
  });

  test('the templates of every environment serving a model have zero findings too', () => {
    const { assembly, config } = synthesizePlatform({
      outdir: mkdtempSync(join(tmpdir(), 'mlenv-cfn-lint-pins-')),
      config: configWithPins(ALL_PINNED),
    });
    // The model stacks: where the endpoints are.
    const serving = assembly.stacksRecursively.filter((s) => /\/[A-Za-z0-9]+Model$/.test(s.hierarchicalId));
    expect(serving.length).toBe(config.environments.length * config.models.length);
    const { errors, output } = cfnLint(serving.map((s) => s.templateFullPath));
    expect(errors).toBe(false);
    expect(output.trim()).toBe('');
  });

  test('the check is live: a template with an error fails', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'mlenv-cfn-lint-')), 'bad.template.json');
    writeFileSync(
      bad,
      JSON.stringify({
        Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: 1 } } },
      }),
    );
    const { errors, output } = cfnLint([bad]);
    expect(errors).toBe(true);
    expect(output).toMatch(/NoSuchProperty/);
  });
});
