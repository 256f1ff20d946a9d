import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadConfig, type MlEnvConfig } from '../../config';
import { REPO_ROOT } from '../../lib/app/cdk-context';
import { buildPlatformApp } from '../../lib/app/synthesize';
import { checkParity } from '../../lib/parity/check';
import { EXISTS, type ParityResult } from '../../lib/parity/compare';
import { formatParityReport, parityJson } from '../../lib/parity/report';
import type { MlEnvironmentStage } from '../../lib/stages/ml-environment-stage';
import { configInput } from '../support/config-fixtures';
import { platformAssembly } from '../support/platform';

/** Synthesizes the platform (optionally with another config, optionally changed) and checks parity. */
function parity(
  options: { config?: MlEnvConfig; change?: (stage: MlEnvironmentStage) => void } = {},
): ParityResult {
  const { app, config, stages } = buildPlatformApp({
    outdir: mkdtempSync(join(tmpdir(), 'mlenv-parity-test-')),
    config: options.config,
  });
  if (options.change) stages.forEach(options.change);
  return checkParity(app.synth(), config);
}

const rawBucket = (stage: MlEnvironmentStage) =>
  stage.storage.dataStore.rawBucket.node.defaultChild as s3.CfnBucket;

describe('parity check', () => {
  test('the platform passes: every difference is explained by a knob', () => {
    const { assembly, config } = platformAssembly();
    const result = checkParity(assembly, config);
    expect(result.violations).toEqual([]);
    expect(result.environments).toEqual(['local', 'dev', 'staging', 'prod']);
    // Environments differ in which resources they have only by e-mail subscriptions and the VPC.
    const presence = new Set(result.differences.filter((d) => d.path === '(exists)').map((d) => d.knob));
    expect(presence).toEqual(new Set(['alertEmails', 'network (declared divergence)']));
    expect(result.differences).toContainEqual(
      expect.objectContaining({
        constructPath: 'Storage/Data/RawBucket',
        path: 'DeletionPolicy',
        values: { local: 'Delete', dev: 'Delete', staging: 'Retain', prod: 'Retain' },
        knob: 'removalPolicy',
      }),
    );
    expect(formatParityReport(result)).toMatch(/0 undeclared differences, \d+ explained by knobs$/);
  });

  test('fails on a resource that only prod has', () => {
    const result = parity({
      change: (stage) => {
        if (stage.environment.name === 'prod') new sns.Topic(stage.storage, 'OnlyInProd');
      },
    });
    expect(result.violations).toEqual([
      expect.objectContaining({
        constructPath: 'Storage/OnlyInProd',
        resourceType: 'AWS::SNS::Topic',
        path: EXISTS,
        values: { local: '(no resource)', dev: '(no resource)', staging: '(no resource)', prod: 'yes' },
      }),
    ]);
    const report = formatParityReport(result);
    expect(report).toMatch(
      /Storage\/OnlyInProd \(exists\)\s+\(no resource\)\s+\(no resource\)\s+\(no resource\)\s+yes\s+UNDECLARED/,
    );
    expect(report).toMatch(/1 undeclared difference,/);
  });

  test('fails on a property that differs where no knob does', () => {
    const result = parity({
      change: (stage) => {
        if (stage.environment.name === 'staging')
          rawBucket(stage).accelerateConfiguration = { accelerationStatus: 'Enabled' };
      },
    });
    expect(result.violations).toEqual([
      expect.objectContaining({
        constructPath: 'Storage/Data/RawBucket',
        path: 'Properties.AccelerateConfiguration.AccelerationStatus',
        values: { local: undefined, dev: undefined, staging: 'Enabled', prod: undefined },
      }),
    ]);
  });

  test('fails when a knob-governed property differs between environments whose knob is the same', () => {
    const input = configInput();
    input.environments.staging.noncurrentVersionDays = input.environments.prod.noncurrentVersionDays;
    const result = parity({
      config: loadConfig(input),
      change: (stage) => {
        if (stage.environment.name === 'prod') {
          rawBucket(stage).addPropertyOverride(
            'LifecycleConfiguration.Rules.0.NoncurrentVersionExpiration.NoncurrentDays',
            5,
          );
        }
      },
    });
    expect(result.violations).toEqual([
      expect.objectContaining({
        constructPath: 'Storage/Data/RawBucket',
        path: 'Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays',
      }),
    ]);
  });

  test('passes a knob difference and names the knob', () => {
    const input = configInput();
    input.environments.staging.costCentre = 'ml-research';
    const result = parity({ config: loadConfig(input) });
    expect(result.violations).toEqual([]);
    expect(result.differences).toContainEqual(
      expect.objectContaining({
        constructPath: 'Storage/Data/Key',
        path: 'Properties.Tags[mlenv:cost-centre]',
        values: { local: 'ml-platform', dev: 'ml-platform', staging: 'ml-research', prod: 'ml-platform' },
        knob: 'costCentre',
      }),
    );
  });

  test('an added environment is checked with the others, with no code change', () => {
    const input = configInput();
    input.environments.qa = { ...input.environments.staging, account: '444444444444', region: 'us-west-2' };
    const result = parity({ config: loadConfig(input) });
    expect(result.environments).toEqual(['local', 'dev', 'staging', 'prod', 'qa']);
    expect(result.violations).toEqual([]);
  });

  test('account, region and environment name are normalized away', () => {
    const { assembly, config } = platformAssembly();
    const paths = checkParity(assembly, config).differences.map((d) => d.path);
    expect(paths.filter((p) => /Tags\[mlenv:environment\]|Arn|Account|Region/.test(p))).toEqual([]);
  });

  test('--json prints the result for machines and exits 0 when parity holds', () => {
    const run = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['lib/parity/cli.ts', '--json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ ok: true, reference: 'prod', undeclared: 0 });
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
      change: (stage) => {
        if (stage.environment.name === 'dev') new sns.Topic(stage.storage, 'OnlyInDev');
      },
    });
    const json = JSON.parse(parityJson(result));
    expect(json.ok).toBe(false);
    expect(json.differences.filter((d: { knob: string | null }) => d.knob === null)).toHaveLength(1);
  });
});
