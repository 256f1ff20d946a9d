import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { parse } from 'yaml';
import { DataCatalog, DBT_LOCK_FILE, DbtProject, type DbtProjectProps } from '../../constructs';
import { REPO_ROOT } from '../../config/repo-root';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { parseLock } from '../../lib/platform/locks/lock-file';
import { binaryArguments, PYTHON_LOCKS } from '../../lib/platform/locks/python-locks';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';

const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
const PROJECT = join(REPO_ROOT, 'ml', 'data', 'dbt');

function build(props: Partial<DbtProjectProps> = {}) {
  const { app, stack, dataStore, logsKey } = dataStack();
  const catalog = new DataCatalog(stack, 'Catalog', {
    dataStore,
    databaseName: 'acme_dev_curated',
    workGroupName: 'acme-dev',
  });
  const dbt = new DbtProject(stack, 'Features', { projectPath: PROJECT, catalog, logsKey, ...props });
  const starter = new iam.Role(stack, 'Starter', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'starter',
  });
  dbt.grantStartBuild(starter);
  return { app, stack, dbt, catalog, template: Template.fromStack(stack) };
}

describe('DbtProject', () => {
  const { app, stack, dbt, catalog, template } = build();
  const [project] = Object.values(template.findResources('AWS::CodeBuild::Project'));
  const resolve = (value: unknown) => stack.resolve(value);
  const logsKeyId = Object.keys(template.findResources('AWS::KMS::Key')).find((k) =>
    k.startsWith('LogsKey'),
  )!;

  test('builds the shipped project with dbt against Athena, installing exactly its hashed lock, wheels only', () => {
    expect(project.Properties.Source.Type).toBe('S3');
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    // The lock declared for the project's directory, and pip told what that lock was compiled for.
    const lock = PYTHON_LOCKS.find((l) => l.lock === relative(REPO_ROOT, join(PROJECT, DBT_LOCK_FILE)))!;
    expect(lock).toBeDefined();
    expect(spec.phases.install.commands).toEqual([
      [
        'python -m pip install --no-cache-dir --require-hashes --no-deps',
        ...binaryArguments(lock),
        `--requirement ${DBT_LOCK_FILE}`,
      ].join(' '),
    ]);
    expect(spec.phases.build.commands).toEqual([
      'dbt build --target "${MLENV_DBT_TARGET}" --project-dir . --profiles-dir .',
    ]);
    expect(project.Properties.Environment.EnvironmentVariables).toContainEqual({
      Name: 'MLENV_DBT_TARGET',
      Type: 'PLAINTEXT',
      Value: 'athena',
    });
    expect(parseLock(readFileSync(join(PROJECT, DBT_LOCK_FILE), 'utf8')).length).toBeGreaterThan(0);
  });

  test("sets every variable the project's Athena profile reads (CodeBuild sets AWS_REGION)", () => {
    const profiles = parse(readFileSync(join(PROJECT, 'profiles.yml'), 'utf8'));
    const athena = JSON.stringify(profiles.mlenv.outputs.athena);
    const read = [...athena.matchAll(/env_var\('([A-Z_]+)'/g)].map((m) => m[1]);
    const set = project.Properties.Environment.EnvironmentVariables.map((v: { Name: string }) => v.Name);
    // ...and the target its commands use, which the build's commands read (not the profile).
    expect(read.filter((name) => name !== 'AWS_REGION').sort()).toEqual(
      set.filter((name: string) => name !== 'MLENV_DBT_TARGET').sort(),
    );
    const byName = Object.fromEntries(
      project.Properties.Environment.EnvironmentVariables.map((v: { Name: string; Value: unknown }) => [
        v.Name,
        v.Value,
      ]),
    );
    expect(byName.MLENV_GLUE_DATABASE).toBe(catalog.databaseName);
    expect(byName.MLENV_ATHENA_WORKGROUP).toBe(catalog.workGroupName);
    expect(byName.MLENV_ATHENA_RESULTS).toEqual(resolve(catalog.resultsLocation));
    expect(byName.MLENV_TABLES_LOCATION).toEqual(resolve(catalog.tablesLocation));
  });

  test('encrypts its artifacts and logs with the logs key, keeps the logs, and has a time limit', () => {
    expect(project.Properties.EncryptionKey).toEqual({ 'Fn::GetAtt': [logsKeyId, 'Arn'] });
    expect(project.Properties.TimeoutInMinutes).toBe(60);
    const [group] = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKeyId, 'Arn'] });
    expect(group.Properties.RetentionInDays).toBe(365);
    expect(group.DeletionPolicy).toBe('Retain');
    expect(project.Properties.LogsConfig.CloudWatchLogs.GroupName).toEqual({
      Ref: expect.stringMatching(/^FeaturesLogs/),
    });
  });

  describe('what its role may do, evaluated', () => {
    const authz = AuthorizationModel.fromAssembly(app.synth());
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(dbt.role.node.defaultChild as iam.CfnRole)}`;
    const allowed = (action: string, resource: string, principal = roleArn) =>
      authz.check({ principal, action, resource }).then((d) => d.allowed);

    test('queries its workgroup and builds tables of its database only', async () => {
      expect(
        await allowed('athena:StartQueryExecution', `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/acme-dev`),
      ).toBe(true);
      expect(
        await allowed(
          'glue:CreateTable',
          `arn:aws:glue:${REGION}:${ACCOUNT}:table/acme_dev_curated/training_features`,
        ),
      ).toBe(true);
      expect(
        await allowed(
          's3:PutObject',
          'arn:aws:s3:::acme-dev-curated/tables/training_features/part-0.parquet',
        ),
      ).toBe(true);
      expect(
        await allowed(
          'glue:CreateTable',
          `arn:aws:glue:${REGION}:${ACCOUNT}:table/other_db/training_features`,
        ),
      ).toBe(false);
      expect(await allowed('s3:GetObject', 'arn:aws:s3:::acme-dev-raw/churn/data.csv')).toBe(false);
      expect(await allowed('s3:GetObject', 'arn:aws:s3:::acme-dev-models/churn/model.tar.gz')).toBe(false);
    });

    test('is taken by CodeBuild only for this account', async () => {
      const take = (account: string) =>
        authz.check({
          principal: 'codebuild.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: roleArn,
          context: {
            'aws:SourceAccount': account,
            'aws:SourceArn': `arn:aws:codebuild:${REGION}:${account}:project/features`,
          },
        });
      expect((await take(ACCOUNT)).allowed).toBe(true);
      expect((await take('999999999999')).allowed).toBe(false);
    });

    test('a role granted the build may start, follow and stop this project only', async () => {
      const starter = `arn:aws:iam::${ACCOUNT}:role/starter`;
      const projectArn = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${stack.getLogicalId(dbt.project.node.defaultChild as codebuild.CfnProject)}`;
      expect(await allowed('codebuild:StartBuild', projectArn, starter)).toBe(true);
      expect(
        await allowed(
          'codebuild:StartBuild',
          `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/other`,
          starter,
        ),
      ).toBe(false);
    });
  });

  test('with a project name, only that project may take the role', async () => {
    const named = build({ projectName: 'acme-dev-churn-dbt' });
    const authz = AuthorizationModel.fromAssembly(named.app.synth());
    expect(named.template.findResources('AWS::CodeBuild::Project')).toEqual({
      [named.stack.getLogicalId(named.dbt.project.node.defaultChild as codebuild.CfnProject)]:
        expect.objectContaining({
          Properties: expect.objectContaining({ Name: 'acme-dev-churn-dbt' }),
        }),
    });
    const take = (project: string) =>
      authz.check({
        principal: 'codebuild.amazonaws.com',
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/${named.stack.getLogicalId(named.dbt.role.node.defaultChild as iam.CfnRole)}`,
        context: {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${project}`,
        },
      });
    expect((await take('acme-dev-churn-dbt')).allowed).toBe(true);
    expect((await take('another-project')).allowed).toBe(false);
  });

  test.each(['', 'a', 'has space', '-leading'])('refuses the project name %p', (projectName) => {
    expect(() => build({ projectName })).toThrow(/projectName '.*' must be 2-255 letters/);
  });

  test.each(['dbt_project.yml', 'profiles.yml', DBT_LOCK_FILE])('refuses a project without %s', (missing) => {
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-dbt-project-'));
    mkdirSync(join(dir, 'models'));
    for (const file of ['dbt_project.yml', 'profiles.yml', DBT_LOCK_FILE].filter((f) => f !== missing)) {
      writeFileSync(join(dir, file), '');
    }
    expect(() => build({ projectPath: dir })).toThrow(`${join(dir, missing)} not found`);
  });
});
