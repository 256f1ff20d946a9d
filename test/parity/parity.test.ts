import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { loadConfig, platformConfig } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { checkParity } from '../../lib/tools/parity/check';
import { EXISTS } from '../../lib/tools/parity/compare';
import { formatParityReport, parityJson } from '../../lib/tools/parity/report';
import type { MlEnvironmentStage } from '../../lib/platform/stages/ml-environment-stage';
import { configInput, unusedEnvironmentName } from '../support/config-fixtures';
import { platformAssembly } from '../support/platform';
import { parity } from './parity-fixtures';

const rawBucket = (stage: MlEnvironmentStage) =>
  stage.storage.dataStore.rawBucket.node.defaultChild as s3.CfnBucket;

// The configured environments: the reference, and another one to change.
const { environments, reference } = platformConfig();
const names = environments.map((e) => e.name);
const other = names.find((n) => n !== reference)!;
/** A value per configured environment: `value` for `env`, `rest` for the others. */
const only = (env: string, value: unknown, rest: unknown) =>
  Object.fromEntries(names.map((n) => [n, n === env ? value : rest]));

describe('parity check', () => {
  test('the platform passes: every difference is explained by a knob', () => {
    const { assembly, config } = platformAssembly();
    const result = checkParity(assembly, config);
    expect(result.violations).toEqual([]);
    expect(result.environments).toEqual(names);
    // A knob that decides whether a resource exists is a difference in kind.
    for (const d of result.differences.filter((d) => d.path === EXISTS)) {
      expect(d.knob).toMatch(/ \(declared divergence\)$/);
    }
    expect(result.differences).toContainEqual(
      expect.objectContaining({
        constructPath: 'Storage/Data/RawBucket',
        path: 'DeletionPolicy',
        values: Object.fromEntries(
          environments.map((e) => [e.name, e.removalPolicy === 'destroy' ? 'Delete' : 'Retain']),
        ),
        knob: 'removalPolicy',
      }),
    );
    expect(formatParityReport(result)).toMatch(/0 undeclared differences, \d+ explained by knobs$/);
  });

  test('fails on a resource that only the reference has', () => {
    const result = parity({
      change: (stage) => {
        if (stage.environment.name === reference)
          new ssm.StringParameter(stage.storage, 'OnlyInProd', { stringValue: 'only here' });
      },
    });
    expect(result.violations).toEqual([
      expect.objectContaining({
        environment: reference,
        constructPath: 'Storage/OnlyInProd',
        resourceType: 'AWS::SSM::Parameter',
        path: EXISTS,
        actual: 'yes',
        rendered: '(no resource)',
      }),
    ]);
    const report = formatParityReport(result);
    const cells = names.map((n) => (n === reference ? 'yes' : '\\(no resource\\)')).join('\\s+');
    expect(report).toMatch(new RegExp(`Storage/OnlyInProd \\(exists\\)\\s+${cells}\\s+UNDECLARED`));
    expect(report).toMatch(/1 undeclared difference,/);
  });

  test('fails on a property that differs where no knob does', () => {
    const result = parity({
      explain: false,
      change: (stage) => {
        if (stage.environment.name === other)
          rawBucket(stage).accelerateConfiguration = { accelerationStatus: 'Enabled' };
      },
    });
    expect(result.violations).toEqual([
      expect.objectContaining({
        environment: other,
        constructPath: 'Storage/Data/RawBucket',
        path: 'Properties.AccelerateConfiguration.AccelerationStatus',
        actual: 'Enabled',
        rendered: undefined,
      }),
    ]);
    expect(result.differences).toContainEqual(
      expect.objectContaining({ values: only(other, 'Enabled', undefined), undeclared: true }),
    );
  });

  test('fails when a knob-governed property differs between environments whose knob is the same', () => {
    const input = configInput();
    input.environments[other].noncurrentVersionDays = input.environments[reference].noncurrentVersionDays;
    const result = parity({
      explain: false,
      config: loadConfig(input),
      change: (stage) => {
        if (stage.environment.name === reference) {
          rawBucket(stage).addPropertyOverride(
            'LifecycleConfiguration.Rules.0.NoncurrentVersionExpiration.NoncurrentDays',
            5,
          );
        }
      },
    });
    expect(result.violations).toEqual([
      expect.objectContaining({
        environment: reference,
        constructPath: 'Storage/Data/RawBucket',
        path: 'Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays',
        actual: 5,
        rendered: input.environments[reference].noncurrentVersionDays,
      }),
    ]);
  });

  test('passes a knob difference and names the knob group', () => {
    const input = configInput();
    input.environments[other].costCentre = 'ml-research';
    const result = parity({ config: loadConfig(input) });
    expect(result.violations).toEqual([]);
    expect(result.differences).toContainEqual(
      expect.objectContaining({
        constructPath: 'Storage/Data/Key',
        path: 'Properties.Tags[mlenv:cost-centre]',
        values: Object.fromEntries(
          environments.map((e) => [e.name, e.name === other ? 'ml-research' : e.costCentre]),
        ),
        knob: 'costCentre',
      }),
    );
  });

  test("the data pipeline's Spark sizes are knobs: a bigger job in one environment is explained", () => {
    const input = configInput();
    input.environments[other].data = { workerType: 'G.2X', numberOfWorkers: 10 };
    const result = parity({ config: loadConfig(input) });
    expect(result.violations).toEqual([]);
    const withPipelines = platformConfig().models.filter((m) => m.dataPipeline);
    expect(withPipelines.length).toBeGreaterThan(0);
    const sized = result.differences.filter((d) => d.resourceType === 'AWS::Glue::Job');
    expect(sized.map((d) => [d.path, d.knob]).sort()).toEqual(
      withPipelines
        .flatMap(() => [
          ['Properties.NumberOfWorkers', 'data'],
          ['Properties.WorkerType', 'data'],
        ])
        .sort(),
    );
  });

  test('an added environment is checked with the others, with no code change', () => {
    const input = configInput();
    const added = unusedEnvironmentName(input);
    input.environments[added] = {
      ...input.environments[reference],
      account: '444444444444',
      region: 'us-west-2',
    };
    const result = parity({ config: loadConfig(input), explain: false });
    expect(result.environments).toEqual([...names, added]);
    expect(result.violations).toEqual([]);
  });

  test('account, region and environment name are normalized away', () => {
    const { assembly, config } = platformAssembly();
    const paths = checkParity(assembly, config).differences.map((d) => d.path);
    // A property that holds an identity (`RoleArn`, `Account`, `Region`, the environment tag), not a
    // condition operator or key that merely contains the word (`ArnEquals`, `aws:PrincipalArn`): those
    // differ where the promotion order does.
    const identityProperty = /Tags\[mlenv:environment\]|(^|\.)[A-Za-z]*(Arn|Account|Region)(\[\d+\])*(\.|$)/;
    expect(paths.filter((p) => identityProperty.test(p))).toEqual([]);
  });

  test('--json prints the result for machines and exits 0 when parity holds', () => {
    const run = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      ['lib/tools/parity/cli.ts', '--json'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ ok: true, reference, undeclared: 0 });
    expect(json.differences[0]).toEqual(
      expect.objectContaining({
        resource: expect.any(String),
        path: expect.any(String),
        knob: expect.any(String),
      }),
    );
  });

  test('JSON marks violations with knob null', () => {
    const result = parity({
      explain: false,
      change: (stage) => {
        if (stage.environment.name === other)
          new ssm.StringParameter(stage.storage, 'OnlyInOne', { stringValue: 'only here' });
      },
    });
    const json = JSON.parse(parityJson(result));
    expect(json.ok).toBe(false);
    expect(json.violations).toEqual([
      expect.objectContaining({ environment: other, path: EXISTS, actual: 'yes', rendered: '(no resource)' }),
    ]);
    expect(json.differences.filter((d: { undeclared: boolean }) => d.undeclared)).toHaveLength(1);
  });
});
