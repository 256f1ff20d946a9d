import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { modelResourceName, platformConfig } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { EMULATOR_LAUNCHER, emulatorStatus, startEmulator, stopEmulator } from '../../lib/local/emulator';
import { stageStacks } from '../../lib/local/emulator-assembly';
import { deployedAssemblyDir } from '../../lib/local/emulator-deploy';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment, stackStatuses } from '../../lib/local/emulator-up';
import { mlenvCommand } from '../support/mlenv-command';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-local-'));
const env = { ...process.env, MLENV_LOCAL_STATE_DIR: stateDir };

/** Runs the `mlenv` command as a user would (a separate process), in this test's state directory. */
async function mlenv(...args: string[]): Promise<{ stdout: string; ms: number }> {
  const started = Date.now();
  const { stdout } = await promisify(execFile)(...mlenvCommand(...args), {
    cwd: REPO_ROOT,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { stdout, ms: Date.now() - started };
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

afterAll(async () => {
  await stopEmulator({ stateDir }); // also when a test failed
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the emulator launcher', () => {
  test("corrects moto's CloudFormation tags on KMS keys and SSM parameters and keeps the tags", () => {
    const script = `
import sys; sys.path.insert(0, ${JSON.stringify(join(EMULATOR_LAUNCHER, '..'))})
from moto import mock_aws
from moto.kms.models import Key, kms_backends
from moto.ssm.models import Parameter, ssm_backends
import moto_server
moto_server.apply_corrections()
with mock_aws():
    key = Key.create_from_cloudformation_json('K', {'Properties': {'KeyPolicy': {}, 'Tags': [{'Key': 'a', 'Value': 'b'}]}}, '123456789012', 'us-east-1')
    print(kms_backends['123456789012']['us-east-1'].list_resource_tags(key.id))
    Parameter.create_from_cloudformation_json('P', {'Properties': {'Name': '/p', 'Type': 'String', 'Value': 'v', 'Tags': {'a': 'b'}}}, '123456789012', 'us-east-1')
    print(ssm_backends['123456789012']['us-east-1'].list_tags_for_resource('Parameter', '/p'))
`;
    const out = execFileSync(PYTHON, ['-c', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(out).toContain("{'Tags': [{'TagKey': 'a', 'TagValue': 'b'}]}");
    expect(out).toContain("{'a': 'b'}");
  });
});

/**
 * A stack of the resource types moto's CloudFormation skips (the data stack's), with what refers
 * to them as the data stack does: a policy on the project's `Fn::GetAtt` Arn and a `Ref` to the
 * job, a project environment naming the database and work group, a job naming its security
 * configuration. Revision 2 changes each (the security configuration's name: a replacement).
 */
function dataPipelineTemplate(revision: 1 | 2): string {
  const ref = (id: string) => ({ Ref: id });
  const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const resources = {
    Key: {
      Type: 'AWS::KMS::Key',
      Properties: {
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
        },
      },
    },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: ['glue.amazonaws.com', 'codebuild.amazonaws.com'] },
              Action: 'sts:AssumeRole',
            },
          ],
        },
      },
    },
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: arn('Key'), RetentionInDays: 365 } },
    Encryption: {
      Type: 'AWS::Glue::SecurityConfiguration',
      Properties: {
        Name: revision === 1 ? 'emulator-test-encryption' : 'emulator-test-encryption-2',
        EncryptionConfiguration: { S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: arn('Key') }] },
      },
    },
    Job: {
      Type: 'AWS::Glue::Job',
      Properties: {
        Name: 'emulator-test-etl',
        Role: arn('Role'),
        Command: { Name: 'glueetl', PythonVersion: '3', ScriptLocation: 's3://scripts/etl.py' },
        DefaultArguments: {
          '--job-language': 'python',
          ...(revision === 2 && { '--job-bookmark-option': 'job-bookmark-enable' }),
        },
        GlueVersion: '5.1',
        WorkerType: 'G.1X',
        NumberOfWorkers: revision === 1 ? 2 : 4,
        SecurityConfiguration: ref('Encryption'),
        Tags: { team: 'data' },
      },
    },
    Database: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: ref('AWS::AccountId'),
        DatabaseInput: {
          Name: 'emulator_test_curated',
          Description: `curated data, revision ${revision}`,
          LocationUri: 's3://curated/tables/',
        },
      },
    },
    WorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: 'emulator-test',
        Description: `queries, revision ${revision}`,
        State: 'ENABLED',
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          ResultConfiguration: { OutputLocation: `s3://curated/athena-results-${revision}/` },
        },
      },
    },
    Project: {
      Type: 'AWS::CodeBuild::Project', // no Name: CloudFormation names it
      Properties: {
        Description: `dbt build, revision ${revision}`,
        Source: { Type: 'NO_SOURCE', BuildSpec: '{"version": "0.2"}' },
        Artifacts: { Type: 'NO_ARTIFACTS' },
        Environment: {
          Type: 'LINUX_CONTAINER',
          Image: 'aws/codebuild/standard:7.0',
          ComputeType: 'BUILD_GENERAL1_SMALL',
          EnvironmentVariables: [
            { Name: 'MLENV_GLUE_DATABASE', Type: 'PLAINTEXT', Value: ref('Database') },
            { Name: 'MLENV_ATHENA_WORKGROUP', Type: 'PLAINTEXT', Value: ref('WorkGroup') },
          ],
        },
        ServiceRole: arn('Role'),
        EncryptionKey: arn('Key'),
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: ref('Logs') } },
        TimeoutInMinutes: 60,
      },
    },
    Policy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'run-the-pipeline',
        Roles: [ref('Role')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: arn('Project') },
            {
              Effect: 'Allow',
              Action: 'glue:StartJobRun',
              Resource: {
                'Fn::Join': ['', ['arn:aws:glue:us-east-1:', ref('AWS::AccountId'), ':job/', ref('Job')]],
              },
            },
          ],
        },
      },
    },
  };
  const outputs = Object.fromEntries(
    [
      ['KeyArn', arn('Key')],
      ['RoleArn', arn('Role')],
      ['SecurityConfiguration', ref('Encryption')],
      ['Job', ref('Job')],
      ['Database', ref('Database')],
      ['WorkGroup', ref('WorkGroup')],
      ['Project', ref('Project')],
      ['ProjectArn', arn('Project')],
    ].map(([key, value]) => [key, { Value: value }]),
  );
  return JSON.stringify({ Resources: resources, Outputs: outputs });
}

/** What the emulated services' own APIs answer (Glue, Athena, CodeBuild, IAM, Logs), read with boto3. */
interface ServiceState {
  readonly securityConfigurations: readonly { readonly Name: string }[];
  readonly jobs: readonly unknown[];
  readonly jobTags: Record<string, Record<string, string>>;
  readonly databases: readonly unknown[];
  readonly workGroups: readonly unknown[];
  readonly projects: readonly unknown[];
  readonly policies: readonly unknown[];
  readonly logGroups: readonly unknown[];
}

/** Reads {@link ServiceState} from the emulator on `port`, after adding a table to `database` if given. */
function services(port: number, database?: string): ServiceState {
  const script = `
import json, sys, boto3
def client(name):
    return boto3.client(name, endpoint_url=f'http://127.0.0.1:{sys.argv[1]}', region_name='us-east-1',
                        aws_access_key_id='testing', aws_secret_access_key='testing')
glue, athena, codebuild, iam, logs = (client(n) for n in ('glue', 'athena', 'codebuild', 'iam', 'logs'))
if sys.argv[2:]:  # a table, as the ETL registers one
    glue.create_table(DatabaseName=sys.argv[2], TableInput={'Name': 'features'})
jobs = glue.get_jobs()['Jobs']
projects = codebuild.list_projects()['projects']
print(json.dumps({
    'securityConfigurations': glue.get_security_configurations()['SecurityConfigurations'],
    'jobs': jobs,
    'jobTags': {j['Name']: glue.get_tags(ResourceArn=f"arn:aws:glue:us-east-1:123456789012:job/{j['Name']}")['Tags']
                for j in jobs},
    'databases': [dict(d, Tables=[t['Name'] for t in glue.get_tables(DatabaseName=d['Name'])['TableList']])
                  for d in glue.get_databases()['DatabaseList']],
    'workGroups': [athena.get_work_group(WorkGroup=g['Name'])['WorkGroup']
                   for g in athena.list_work_groups()['WorkGroups'] if g['Name'] != 'primary'],
    'projects': codebuild.batch_get_projects(names=projects)['projects'] if projects else [],
    'policies': [iam.get_role_policy(RoleName=r['RoleName'], PolicyName=p)['PolicyDocument']
                 for r in iam.list_roles()['Roles'] for p in iam.list_role_policies(RoleName=r['RoleName'])['PolicyNames']],
    'logGroups': logs.describe_log_groups()['logGroups'],
}, default=str))
`;
  const args = ['-c', script, String(port), ...(database ? [database] : [])];
  return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' })) as ServiceState;
}

describe("the emulator launcher's Glue, Athena and CodeBuild resources", () => {
  const launcherDir = mkdtempSync(join(tmpdir(), 'mlenv-launcher-'));
  const StackName = 'emulator-test-data';
  let cloudformation: CloudFormationClient;
  let port: number;

  beforeAll(async () => {
    port = (await startEmulator({ stateDir: launcherDir })).port;
    cloudformation = new CloudFormationClient(emulatorClientConfig(port, 'us-east-1'));
  }, 60_000);

  afterAll(async () => {
    await stopEmulator({ stateDir: launcherDir });
    rmSync(launcherDir, { recursive: true, force: true });
  });

  async function stack(): Promise<{
    status?: string;
    outputs: Record<string, string>;
    physical: Record<string, string>;
  }> {
    const [described] = (await cloudformation.send(new DescribeStacksCommand({ StackName }))).Stacks ?? [];
    const resources =
      (await cloudformation.send(new ListStackResourcesCommand({ StackName }))).StackResourceSummaries ?? [];
    return {
      status: described?.StackStatus,
      outputs: Object.fromEntries((described?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!])),
      physical: Object.fromEntries(resources.map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!])),
    };
  }

  let created: Awaited<ReturnType<typeof stack>>;

  test('a stack creates them with their properties; Ref is the name and Fn::GetAtt Arn the ARN', async () => {
    await cloudformation.send(
      new CreateStackCommand({
        StackName,
        TemplateBody: dataPipelineTemplate(1),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    created = await stack();
    const { outputs, physical } = created;
    expect(created.status).toBe('CREATE_COMPLETE');
    const projectArn = `arn:aws:codebuild:us-east-1:123456789012:project/${outputs.Project}`;
    expect(outputs).toMatchObject({
      SecurityConfiguration: 'emulator-test-encryption',
      Job: 'emulator-test-etl',
      Database: 'emulator_test_curated',
      WorkGroup: 'emulator-test',
      Project: expect.stringMatching(/^emulator-test-data-Project-/),
      ProjectArn: projectArn,
    });
    expect(physical).toMatchObject({
      Encryption: outputs.SecurityConfiguration,
      Job: outputs.Job,
      Database: outputs.Database,
      WorkGroup: outputs.WorkGroup,
      Project: outputs.Project,
    });

    const state = services(port, 'emulator_test_curated');
    expect(state.securityConfigurations).toEqual([
      expect.objectContaining({
        Name: 'emulator-test-encryption',
        EncryptionConfiguration: {
          S3Encryption: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: outputs.KeyArn }],
        },
      }),
    ]);
    expect(state.jobs).toEqual([
      expect.objectContaining({
        Name: 'emulator-test-etl',
        Role: outputs.RoleArn,
        Command: { Name: 'glueetl', PythonVersion: '3', ScriptLocation: 's3://scripts/etl.py' },
        DefaultArguments: { '--job-language': 'python' },
        GlueVersion: '5.1',
        WorkerType: 'G.1X',
        NumberOfWorkers: 2,
        SecurityConfiguration: 'emulator-test-encryption',
      }),
    ]);
    expect(state.jobTags).toEqual({ 'emulator-test-etl': { team: 'data' } });
    expect(state.databases).toEqual([
      expect.objectContaining({
        Name: 'emulator_test_curated',
        Description: 'curated data, revision 1',
        LocationUri: 's3://curated/tables/',
        Tables: ['features'],
      }),
    ]);
    expect(state.workGroups).toEqual([
      expect.objectContaining({
        Name: 'emulator-test',
        State: 'ENABLED',
        Description: 'queries, revision 1',
        Configuration: expect.objectContaining({
          EnforceWorkGroupConfiguration: true,
          EngineVersion: {
            SelectedEngineVersion: 'Athena engine version 3',
            EffectiveEngineVersion: 'Athena engine version 3',
          },
          ResultConfiguration: { OutputLocation: 's3://curated/athena-results-1/' },
        }),
      }),
    ]);
    expect(state.projects).toEqual([
      expect.objectContaining({
        name: outputs.Project,
        arn: projectArn,
        description: 'dbt build, revision 1',
        source: { type: 'NO_SOURCE', buildspec: '{"version": "0.2"}' },
        environment: expect.objectContaining({
          image: 'aws/codebuild/standard:7.0',
          environmentVariables: [
            { name: 'MLENV_GLUE_DATABASE', type: 'PLAINTEXT', value: 'emulator_test_curated' },
            { name: 'MLENV_ATHENA_WORKGROUP', type: 'PLAINTEXT', value: 'emulator-test' },
          ],
        }),
        serviceRole: outputs.RoleArn,
        encryptionKey: outputs.KeyArn,
        timeoutInMinutes: 60,
        logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: physical.Logs } },
      }),
    ]);
    expect(state.policies).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: projectArn },
          {
            Effect: 'Allow',
            Action: 'glue:StartJobRun',
            Resource: 'arn:aws:glue:us-east-1:123456789012:job/emulator-test-etl',
          },
        ],
      },
    ]);
    expect(state.logGroups).toEqual([
      expect.objectContaining({ logGroupName: physical.Logs, kmsKeyId: outputs.KeyArn }),
    ]);
  }, 60_000);

  test('an update changes them in place under their names (a new name replaces one)', async () => {
    expect(created).toBeDefined();
    await cloudformation.send(
      new UpdateStackCommand({
        StackName,
        TemplateBody: dataPipelineTemplate(2),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const updated = await stack();
    expect(updated.status).toBe('UPDATE_COMPLETE');
    expect(updated.outputs).toEqual({
      ...created.outputs,
      SecurityConfiguration: 'emulator-test-encryption-2',
    });

    const state = services(port);
    expect(state.securityConfigurations.map((c: { Name: string }) => c.Name)).toEqual([
      'emulator-test-encryption-2',
    ]);
    expect(state.jobs).toEqual([
      expect.objectContaining({
        Name: 'emulator-test-etl',
        NumberOfWorkers: 4,
        DefaultArguments: { '--job-language': 'python', '--job-bookmark-option': 'job-bookmark-enable' },
        SecurityConfiguration: 'emulator-test-encryption-2',
      }),
    ]);
    expect(state.databases).toEqual([
      expect.objectContaining({
        Name: 'emulator_test_curated',
        Description: 'curated data, revision 2',
        Tables: ['features'], // kept: updated in place
      }),
    ]);
    expect(state.workGroups).toEqual([
      expect.objectContaining({
        Name: 'emulator-test',
        Description: 'queries, revision 2',
        Configuration: expect.objectContaining({
          ResultConfiguration: { OutputLocation: 's3://curated/athena-results-2/' },
        }),
      }),
    ]);
    expect(state.projects).toEqual([
      expect.objectContaining({ name: created.outputs.Project, description: 'dbt build, revision 2' }),
    ]);
  }, 60_000);

  test('deleting the stack deletes them', async () => {
    expect(created).toBeDefined();
    await cloudformation.send(new DeleteStackCommand({ StackName }));
    const state = services(port);
    expect(state).toMatchObject({
      securityConfigurations: [],
      jobs: [],
      jobTags: {},
      databases: [],
      workGroups: [],
      projects: [],
    });
  }, 60_000);
});

describe('mlenv local up | status | down', () => {
  const config = platformConfig();
  const local = localEnvironment(config);
  let first: { pid: number; port: number } | undefined;

  test('up deploys every Local stack into the emulator and creates the package groups it skips', async () => {
    const { stdout, ms } = await mlenv('local', 'up');
    console.log(`mlenv local up (emulator started, bootstrap, deploy): ${(ms / 1000).toFixed(1)} s`);
    expect(stdout).toMatch(/✓ cdk deploy 'Local\/\*' \(\d+\.\d s\)/);

    const status = JSON.parse((await mlenv('local', 'status', '--json')).stdout);
    expect(status).toMatchObject({ running: true, pid: expect.any(Number), port: expect.any(Number) });
    first = { pid: status.pid, port: status.port };

    const clientConfig = emulatorClientConfig(status.port, local.region);
    const stacks = stageStacks(deployedAssemblyDir(stateDir), local.stageId).map((s) => s.stackName);
    expect(stacks.length).toBeGreaterThanOrEqual(5);
    const statuses = await stackStatuses(new CloudFormationClient(clientConfig), stacks);
    expect(statuses).toEqual(stacks.map((name) => ({ name, status: 'CREATE_COMPLETE' })));
    expect(status.stacks).toEqual(statuses);

    const sagemaker = new SageMakerClient(clientConfig);
    for (const model of config.models) {
      const name = modelResourceName({ project: config.project, environment: local }, model.name);
      const group = await sagemaker.send(
        new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }),
      );
      expect(group.ModelPackageGroupName).toBe(name);
    }
  }, 240_000);

  test('a second up reuses the running emulator (and deploys a given assembly without synthesizing)', async () => {
    expect(first).toBeDefined();
    const assembly = deployedAssemblyDir(stateDir); // what the first up synthesized
    const { stdout, ms } = await mlenv('local', 'up', '--assembly', assembly);
    console.log(`mlenv local up --assembly (emulator reused): ${(ms / 1000).toFixed(1)} s`);
    expect(stdout).toContain('(no changes)');
    expect(stdout).toContain(`reusing moto on http://127.0.0.1:${first!.port} (pid ${first!.pid})`);
    expect(stdout).not.toContain('cdk bootstrap');
    const status = await emulatorStatus({ stateDir });
    expect({ pid: status.pid, port: status.port }).toEqual(first);
  }, 240_000);

  test('down stops it: nothing listens on its port, status says so', async () => {
    expect(first).toBeDefined();
    const { stdout } = await mlenv('local', 'down');
    expect(stdout).toContain(`stopped the emulator (pid ${first!.pid}, port ${first!.port})`);
    expect(await listens(first!.port)).toBe(false);
    expect(JSON.parse((await mlenv('local', 'status', '--json')).stdout)).toMatchObject({ running: false });
    expect((await mlenv('local', 'down')).stdout).toContain('no emulator was running');
  }, 60_000);

  test('an up that fails stops the emulator it started', async () => {
    const missing = join(stateDir, 'no-such-assembly');
    await expect(mlenv('local', 'up', '--assembly', missing)).rejects.toThrow(/cdk deploy failed/);
    expect(await emulatorStatus({ stateDir })).toEqual({ running: false, stateDir });
    expect(existsSync(join(stateDir, 'emulator.pid'))).toBe(false);
  }, 120_000);

  test('a stale record (its process gone) is cleaned up', async () => {
    writeFileSync(
      join(stateDir, 'emulator.json'),
      JSON.stringify({ pid: 2 ** 22 + 1, port: 1, startedAt: 'then' }),
    );
    expect(await emulatorStatus({ stateDir })).toEqual({ running: false, stateDir });
    expect((await mlenv('local', 'down')).stdout).toContain('no emulator was running');
  }, 60_000);
});
