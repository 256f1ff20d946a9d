import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { readLock } from '../../lib/tools/stateful/lock-file';
import { lockProblems, type StatefulLock, statefulResources } from '../../lib/tools/stateful/lock';
import { platformAssembly, TEST_CONTEXT } from '../support/platform';

const { assembly, config } = platformAssembly();
const current = statefulResources(assembly);
const locked = readLock();

/** The bucket kinds of every environment (README: `<project>-<env>-<account>-<region>-<kind>`). */
const BUCKET_KINDS = ['raw', 'curated', 'models', 'monitoring', 'access-logs'];

/** The names `locked` records for `stageId`'s resources of `type`. */
function lockedNames(lock: StatefulLock, stageId: string, type: string): string[] {
  return Object.entries(lock)
    .filter(([stack]) => stack.startsWith(`${stageId}/`))
    .flatMap(([, resources]) => Object.values(resources))
    .filter((r) => r.type === type)
    .map((r) => r.name ?? '(unnamed)')
    .sort();
}

describe('stateful resources lock', () => {
  test('no locked stateful resource would disappear, change type or change name, and every stateful resource is locked', () => {
    expect(lockProblems(locked, current).join('\n')).toBe('');
  });

  test('the lock covers data, keys, registries, audit logs and tracking servers in every environment', () => {
    for (const env of config.environments) {
      const types = Object.entries(locked)
        .filter(([stack]) => stack.startsWith(`${env.stageId}/`))
        .flatMap(([, resources]) => Object.values(resources).map((r) => r.type));
      expect(new Set(types)).toEqual(
        new Set([
          'AWS::S3::Bucket',
          'AWS::KMS::Key',
          'AWS::SageMaker::ModelPackageGroup',
          'AWS::Logs::LogGroup',
          // Where the environment has one, the MLflow server holds its runs.
          ...(env.tracking.server === 'managed' ? ['AWS::SageMaker::MlflowTrackingServer'] : []),
        ]),
      );
    }
  });

  test('the lock records the physical names the configuration gives buckets and model package groups', () => {
    for (const env of config.environments) {
      expect(lockedNames(locked, env.stageId, 'AWS::S3::Bucket')).toEqual(
        BUCKET_KINDS.map(
          (kind) => `${config.project}-${env.name}-${env.account}-${env.region}-${kind}`,
        ).sort(),
      );
      expect(lockedNames(locked, env.stageId, 'AWS::SageMaker::ModelPackageGroup')).toEqual(
        config.models.map((model) => `${config.project}-${env.name}-${model.name}`).sort(),
      );
    }
  });

  test('a resource whose logical id changes is reported as data that would be replaced, with how to update the lock', () => {
    const renamed = structuredClone(current);
    const storage = renamed['Prod/Storage'];
    storage.RenamedRawBucket1234 = storage.DataRawBucket6F632241;
    delete storage.DataRawBucket6F632241;
    expect(lockProblems(locked, renamed)).toEqual([
      expect.stringMatching(
        /^Prod\/Storage\/DataRawBucket6F632241 \(AWS::S3::Bucket mlenv-prod-\S+-raw\) would be deleted or replaced: .*npm run stateful-lock -- --update/,
      ),
      expect.stringMatching(
        /^Prod\/Storage\/RenamedRawBucket1234 \(AWS::S3::Bucket mlenv-prod-\S+-raw\) is stateful but not locked yet/,
      ),
    ]);
  });

  test('a changed type is reported', () => {
    const changed = structuredClone(current);
    changed['Dev/Storage'].DataKey5F086070 = { type: 'AWS::S3::Bucket' };
    expect(lockProblems(locked, changed)).toEqual([
      expect.stringMatching(
        /^Dev\/Storage\/DataKey5F086070 changes type from AWS::KMS::Key to AWS::S3::Bucket/,
      ),
    ]);
  });

  test('a name given to a resource CloudFormation used to name is reported, and so is a new key alias', () => {
    const changed = structuredClone(current);
    changed['Prod/Training'].ChurnPipelineLogsF2F4602E = {
      type: 'AWS::Logs::LogGroup',
      name: '/mlenv/prod/churn',
    };
    changed['Prod/Storage'].DataKey5F086070 = { type: 'AWS::KMS::Key', name: 'alias/mlenv-prod-data' };
    expect(lockProblems(locked, changed)).toEqual([
      expect.stringContaining(
        'Prod/Storage/DataKey5F086070 (AWS::KMS::Key) would delete or replace the alias that leads to its data: ' +
          'its alias (AWS::KMS::Alias AliasName) changes from (none: CloudFormation generates one) to alias/mlenv-prod-data',
      ),
      expect.stringContaining(
        'Prod/Training/ChurnPipelineLogsF2F4602E (AWS::Logs::LogGroup) would delete or replace data: ' +
          'its LogGroupName changes from (none: CloudFormation generates one) to /mlenv/prod/churn',
      ),
    ]);
  });
});

describe('a changed project name', () => {
  // One environment, synthesized with another project name: every bucket and group it names changes.
  const reference = config.environments.find((e) => e.name === config.reference)!;
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-lock-test-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('fails the lock for every bucket, model package group, named log group and tracking server, naming the resource and both names', () => {
    const renamed = synthesizePlatform({
      outdir,
      context: TEST_CONTEXT,
      config: { ...config, project: 'acme', environments: [reference], delivery: undefined },
    });
    const ownLock = Object.fromEntries(
      Object.entries(locked).filter(([stack]) => stack.startsWith(`${reference.stageId}/`)),
    );
    const problems = lockProblems(ownLock, statefulResources(renamed.assembly));

    const bucketName = (project: string, kind: string) =>
      `${project}-${reference.name}-${reference.account}-${reference.region}-${kind}`;
    const groupName = (project: string, model: string) => `${project}-${reference.name}-${model}`;
    const renames = [
      ...BUCKET_KINDS.map((kind) => ({
        from: bucketName(config.project, kind),
        to: bucketName('acme', kind),
      })),
      ...config.models.map((m) => ({
        from: groupName(config.project, m.name),
        to: groupName('acme', m.name),
      })),
      ...config.models
        .filter((m) => m.dataPipeline)
        .flatMap((m) =>
          [
            (project: string) => `/aws/vendedlogs/states/${groupName(project, m.name)}-data-pipeline`,
            (project: string) => `/aws/codebuild/${groupName(project, m.name)}-dbt-builds`,
            // The Spark job's groups, under its own name (Glue's custom log group prefix).
            (project: string) => `/aws-glue/jobs/${groupName(project, m.name)}-etl/output`,
            (project: string) => `/aws-glue/jobs/${groupName(project, m.name)}-etl/error`,
          ].map((logGroup) => ({ from: logGroup(config.project), to: logGroup('acme') })),
        ),
      // Every model's endpoint (served or not yet) logs to SageMaker's group named after it.
      ...config.models.map((m) => ({
        from: `/aws/sagemaker/Endpoints/${groupName(config.project, m.name)}`,
        to: `/aws/sagemaker/Endpoints/${groupName('acme', m.name)}`,
      })),
      // Every model's run recorder builds log to a group named after it.
      ...config.models.map((m) => ({
        from: `/aws/codebuild/${groupName(config.project, m.name)}-run-records`,
        to: `/aws/codebuild/${groupName('acme', m.name)}-run-records`,
      })),
      // The environment's MLflow server, where it has one, is named after the project and environment.
      ...(reference.tracking.server === 'managed'
        ? [{ from: `${config.project}-${reference.name}-mlflow`, to: `acme-${reference.name}-mlflow` }]
        : []),
    ];
    expect(problems).toHaveLength(renames.length);
    for (const { from, to } of renames) {
      const problem = problems.find((p) => p.includes(` changes from ${from} to ${to},`));
      expect(problem).toMatch(
        new RegExp(
          `^${reference.stageId}/(Storage|Registry|Training)/\\w+ \\(AWS::(S3::Bucket|SageMaker::ModelPackageGroup|Logs::LogGroup|SageMaker::MlflowTrackingServer)\\) ` +
            'would delete or replace data: .*npm run stateful-lock -- --update',
        ),
      );
    }
    expect(problems.find((p) => p.includes(bucketName('acme', 'raw')))).toMatch(
      /^\w+\/Storage\/DataRawBucket6F632241 /,
    );
  });
});
