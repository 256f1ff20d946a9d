import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SparkJob, type SparkJobProps } from '../../constructs';
import { REPO_ROOT } from '../../config/repo-root';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';

const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
const SCRIPT = join(REPO_ROOT, 'ml', 'data', 'etl.py');

function build(props: Partial<SparkJobProps> = {}) {
  const { app, stack, dataStore, logsKey } = dataStack();
  const job = new SparkJob(stack, 'Etl', {
    dataStore,
    logsKey,
    scriptPath: SCRIPT,
    rawKeyPattern: 'churn/*',
    curatedKeyPattern: 'churn/*',
    ...props,
  });
  const starter = new iam.Role(stack, 'Starter', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'starter',
  });
  job.grantRun(starter);
  return { app, stack, job, dataStore, logsKey, template: Template.fromStack(stack) };
}

describe('SparkJob', () => {
  const { app, stack, job, template } = build({
    workerType: 'G.2X',
    numberOfWorkers: 5,
    timeout: Duration.minutes(90),
  });
  const resolve = (value: unknown) => stack.resolve(value);
  const [glueJob] = Object.values(template.findResources('AWS::Glue::Job'));
  const [security] = Object.values(template.findResources('AWS::Glue::SecurityConfiguration'));
  const keyRef = (id: string) =>
    Object.keys(template.findResources('AWS::KMS::Key')).find((k) => k.startsWith(id))!;

  test('runs the script on Glue 5.1 with the given workers and time limit, once at a time', () => {
    expect(glueJob.Properties).toMatchObject({
      GlueVersion: '5.1',
      Command: { Name: 'glueetl', PythonVersion: '3' },
      WorkerType: 'G.2X',
      NumberOfWorkers: 5,
      Timeout: 90,
      MaxRetries: 0,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      SecurityConfiguration: job.securityConfigurationName,
    });
    expect(JSON.stringify(glueJob.Properties.Command.ScriptLocation)).toContain('.py');
  });

  test('logs continuously, publishes metrics and keeps bookmarks, with temporary files in its curated prefix', () => {
    expect(glueJob.Properties.DefaultArguments).toMatchObject({
      '--enable-continuous-cloudwatch-log': 'true',
      '--enable-metrics': 'true',
      '--job-bookmark-option': 'job-bookmark-enable',
    });
    expect(JSON.stringify(glueJob.Properties.DefaultArguments['--TempDir'])).toContain(
      '/churn/glue-temporary/',
    );
  });

  test('encrypts its S3 output with the data key, its logs and bookmarks with the logs key', () => {
    const configuration = security.Properties.EncryptionConfiguration;
    expect(security.Properties.Name).toBe(job.securityConfigurationName);
    expect(configuration.S3Encryptions).toEqual([
      { S3EncryptionMode: 'SSE-KMS', KmsKeyArn: { 'Fn::GetAtt': [keyRef('StoreKey'), 'Arn'] } },
    ]);
    expect(configuration.CloudWatchEncryption).toEqual({
      CloudWatchEncryptionMode: 'SSE-KMS',
      KmsKeyArn: { 'Fn::GetAtt': [keyRef('LogsKey'), 'Arn'] },
    });
    expect(configuration.JobBookmarksEncryption).toEqual({
      JobBookmarksEncryptionMode: 'CSE-KMS',
      KmsKeyArn: { 'Fn::GetAtt': [keyRef('LogsKey'), 'Arn'] },
    });
  });

  test('its role is taken by Glue only for this job of this account', () => {
    const role =
      template.findResources('AWS::IAM::Role')[stack.getLogicalId(job.role.node.defaultChild as iam.CfnRole)];
    expect(resolve(role.Properties.AssumeRolePolicyDocument.Statement)).toEqual([
      expect.objectContaining({
        Principal: { Service: 'glue.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': resolve(job.jobArn) },
        },
      }),
    ]);
  });

  describe('what its role may do, evaluated', () => {
    const authz = AuthorizationModel.fromAssembly(app.synth());
    // CloudFormation names the role; the evaluator's stand-in for a generated name is its logical id.
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(job.role.node.defaultChild as iam.CfnRole)}`;
    const check = (action: string, resource: string) =>
      authz.check({ principal: roleArn, action, resource }).then((d) => d.allowed);
    const object = (kind: string, key: string) => `arn:aws:s3:::acme-dev-${kind}/${key}`;

    test.each([
      ['s3:GetObject', object('raw', 'churn/2026/data.csv'), true],
      ['s3:PutObject', object('curated', 'churn/features/part-0.parquet'), true],
      ['s3:GetObject', object('curated', 'churn/features/part-0.parquet'), true],
      ['s3:DeleteObject', object('curated', 'churn/features/part-0.parquet'), true],
      ['s3:GetObject', object('raw', 'fraud/data.csv'), false],
      ['s3:PutObject', object('raw', 'churn/data.csv'), false],
      ['s3:PutObject', object('curated', 'fraud/features/part-0.parquet'), false],
      ['s3:GetObject', object('models', 'churn/model.tar.gz'), false],
    ])('%s on %s: %s', async (action, resource, allowed) => {
      expect(await check(action, resource)).toBe(allowed);
    });

    test('it writes its encrypted logs to the log groups named after its security configuration only', async () => {
      const group = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:log-stream:run-1`;
      expect(
        await check('logs:PutLogEvents', group(`/aws-glue/jobs/logs-v2-${job.securityConfigurationName}`)),
      ).toBe(true);
      expect(await check('logs:PutLogEvents', group('/aws-glue/jobs/logs-v2'))).toBe(false);
    });

    test('a role granted the run may start, follow and stop this job only', async () => {
      const starter = `arn:aws:iam::${ACCOUNT}:role/starter`;
      const jobArn = `arn:aws:glue:${REGION}:${ACCOUNT}:job/${job.jobName}`;
      for (const action of ['glue:StartJobRun', 'glue:GetJobRun', 'glue:BatchStopJobRun']) {
        expect((await authz.check({ principal: starter, action, resource: jobArn })).allowed).toBe(true);
      }
      const other = `arn:aws:glue:${REGION}:${ACCOUNT}:job/another-job`;
      expect(
        (await authz.check({ principal: starter, action: 'glue:StartJobRun', resource: other })).allowed,
      ).toBe(false);
    });
  });

  test.each([
    [{ numberOfWorkers: 1 }, /numberOfWorkers must be a whole number of at least 2/],
    [{ numberOfWorkers: 2.5 }, /numberOfWorkers must be a whole number of at least 2/],
    [{ scriptPath: '/nowhere/etl.py' }, /script not found: \/nowhere\/etl.py/],
    [{ timeout: Duration.seconds(30) }, /timeout must be at least 1 minute/],
  ])('refuses %j', (props, message) => {
    expect(() => build(props as Partial<SparkJobProps>)).toThrow(message);
  });
});
