import { join } from 'node:path';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DataCatalog, DataPipeline, DbtProject, SparkJob } from '../../constructs';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { asObject } from '../../cfn/json-values';
import { allowLogGroupEncryption } from '../../constructs/common/log-group-encryption';
import { ModelLayout } from '../../constructs/common/model-layout';
import { REPO_ROOT } from '../../config/repo-root';
import {
  AuthorizationModel,
  crossCatalogCalls,
  crossModelCalls,
  enumerateRunTimeCalls,
  type RunTimeCall,
  type RunTimeCallEnumeration,
} from '../../lib/tools/authorization';
import { taskCalls } from '../../lib/tools/authorization/state-machine-calls';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';
import {
  type Checked,
  checkAll,
  cleanlyAllowed,
  cleanlyDenied,
  describeChecked as line,
} from '../support/checked-calls';
/** Each call with the evaluator's decision. */
const check = (calls: readonly RunTimeCall[]) => checkAll(authz, calls);

/*
 * The authorization model of the data pipeline's run-time calls (lib/tools/authorization: the Glue,
 * CodeBuild and Step Functions integrations, the Spark job's and the dbt build's own requests),
 * evaluated against the policies the data constructs synthesize, wired as a model's data pipeline
 * is (lib/platform/stacks/model-data-pipeline.ts): everything under `<model>/data/` of the curated bucket.
 */

const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
const MODEL = 'churn';
const VERSION = '0123456789abcdef';
const DATABASE = 'acme_dev_churn';
const ROWS_TABLE = 'raw_features';

const { app, stack, dataStore, logsKey } = dataStack();
// The platform's logs key lets CloudWatch Logs of its account use it (log groups, Glue's logs).
allowLogGroupEncryption(logsKey);
const layout = new ModelLayout(MODEL);
const curated = (key: string) => `s3://acme-dev-curated/${key.replace(/\/$/, '')}/`;
const catalog = new DataCatalog(stack, 'Catalog', {
  dataStore,
  databaseName: DATABASE,
  workGroupName: 'acme-dev-churn',
  tablesPrefix: `${layout.tablesDir}/`,
  resultsPrefix: `${layout.queryResultsDir}/`,
});
const sparkJob = new SparkJob(stack, 'Etl', {
  dataStore,
  logsKey,
  scriptPath: join(REPO_ROOT, 'ml', 'data', 'etl.py'),
  rawKeyPattern: `${MODEL}/*`,
  curatedKeyPattern: `${layout.dataDir}/*`,
  defaultArguments: {
    '--curated': curated(layout.curatedRowsDir),
    '--quarantine': curated(layout.quarantineDir),
    '--glue-table': `${DATABASE}.${ROWS_TABLE}`,
  },
});
catalog.grantDefineTable(sparkJob.role, ROWS_TABLE);
const dbtProject = new DbtProject(stack, 'Features', {
  projectPath: join(REPO_ROOT, 'ml', 'data', 'dbt'),
  catalog,
  logsKey,
  environmentVariables: { MLENV_FEATURES_PREFIX: curated(layout.featuresPrefix) },
  afterBuild: [
    'python export_features.py "${MLENV_DBT_TARGET}" --destination "${MLENV_FEATURES_PREFIX}${MLENV_DATASET_VERSION}/"',
  ],
});
// As lib/platform/stacks/model-data-pipeline.ts grants (the platform's run-time test checks that wiring):
// Athena reads the Spark job's rows with the build's credentials; the export writes the features.
dataStore.grantReadCurated(dbtProject.role, `${layout.curatedRowsDir}/*`);
dataStore.grantReadWriteCurated(dbtProject.role, `${layout.featuresPrefix}*`);
const trainingPipeline = new sfn.StateMachine(stack, 'Training', {
  definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'TrainStandIn')),
  stateMachineName: 'acme-dev-churn-training',
});
new DataPipeline(stack, 'Pipeline', {
  modelName: MODEL,
  dataStore,
  sparkJob,
  dbtProject,
  trainingPipeline,
  notifications: new sns.Topic(stack, 'Alerts', { topicName: 'alerts' }),
  logGroup: new logs.LogGroup(stack, 'PipelineLogs'),
});

const authz = AuthorizationModel.fromAssembly(app.synth());
const { deployed } = authz.inventory;
const one = (type: string) => {
  const [resource, ...more] = deployed.ofType(type);
  if (!resource || more.length > 0) throw new Error(`expected one ${type}`);
  return resource;
};
const machine = deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find((m) => m.logicalId.startsWith('PipelineStateMachine'))!;
const machineRole = String(machine.properties.RoleArn);
const glueJob = one('AWS::Glue::Job');
const jobName = deployed.ref(glueJob);
const jobRole = String(glueJob.properties.Role);
const jobArn = `arn:aws:glue:${REGION}:${ACCOUNT}:job/${jobName}`;
const security = one('AWS::Glue::SecurityConfiguration').properties;
const encryption = asObject(security.EncryptionConfiguration)!;
const dataKey = String(asObject((encryption.S3Encryptions as unknown[])[0])!.KmsKeyArn);
const logsKeyArn = String(asObject(encryption.CloudWatchEncryption)!.KmsKeyArn);
const project = one('AWS::CodeBuild::Project');
const projectName = deployed.ref(project);
const projectArn = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${projectName}`;
const buildRole = String(project.properties.ServiceRole);
const workGroup = one('AWS::Athena::WorkGroup').properties;
const workGroupArn = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${String(workGroup.Name)}`;
const glueArn = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
const s3 = (uri: string) => uri.replace(/^s3:\/\//, 'arn:aws:s3:::');

let enumeration: RunTimeCallEnumeration;
let checked: Checked[];
let pipelineCalls: RunTimeCall[];
/** `action resource` of each call matching `where`, to compare with what the templates say. */
const made = (where: (call: RunTimeCall) => boolean) =>
  pipelineCalls.filter(where).map((c) => `${c.principal} ${c.action} ${c.resource}`);

beforeAll(async () => {
  enumeration = await enumerateRunTimeCalls(authz, {
    // The newest version, as the schedule and new data start it: the pipeline reads latest.json.
    executionInput: () => ({
      datasetS3Uri: `s3://acme-dev-raw/${DatasetLayout.prefix(MODEL)}`,
      datasetVersion: DatasetLayout.LATEST,
      reason: 'test',
    }),
    objectBody: (uri) =>
      uri === `s3://acme-dev-raw/${DatasetLayout.latestKey(MODEL)}`
        ? JSON.stringify(DatasetLayout.latest('acme-dev-raw', MODEL, VERSION))
        : '{}',
  });
  checked = await check(enumeration.calls);
  pipelineCalls = enumeration.calls.filter((c) => c.originPath === machine.path);
});

describe('the data pipeline, evaluated with its run-time calls', () => {
  test('every integration, job and build has a model of its calls, and every sample run succeeds', () => {
    expect(enumeration.problems).toEqual([]);
    expect(enumeration.runs.map((r) => [r.stateMachine.path, r.sample.status])).toEqual(
      enumeration.runs.map((r) => [r.stateMachine.path, 'SUCCEEDED']),
    );
  });

  test('its role runs the Spark job, the dbt build and training, with what Step Functions documents for each .sync integration', () => {
    const training = String(
      deployed.ref(deployed.ofType('AWS::StepFunctions::StateMachine').find((m) => m !== machine)!),
    );
    const executions = `arn:aws:states:${REGION}:${ACCOUNT}:execution:acme-dev-churn-training:`;
    const rule = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`;
    const events = (name: string) =>
      ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map(
        (a) => `${machineRole} ${a} ${rule(name)}`,
      );
    const of = (state: string) =>
      made((c) => c.principal === machineRole && c.origin === `${machine.path} state ${state}`);
    expect(of('CleanRawData')).toEqual(
      ['StartJobRun', 'GetJobRun', 'GetJobRuns', 'BatchStopJobRun'].map(
        (v) => `${machineRole} glue:${v} ${jobArn}`,
      ),
    );
    expect(of('BuildFeatures')).toEqual([
      ...['StartBuild', 'BatchGetBuilds', 'StopBuild'].map(
        (v) => `${machineRole} codebuild:${v} ${projectArn}`,
      ),
      ...events('StepFunctionsGetEventForCodeBuildStartBuildRule'),
    ]);
    expect(of('Train')).toEqual([
      `${machineRole} states:StartExecution ${training}`,
      expect.stringMatching(`^${machineRole} states:DescribeExecution ${executions}[\\w-]+$`),
      expect.stringMatching(`^${machineRole} states:StopExecution ${executions}[\\w-]+$`),
      ...events('StepFunctionsGetEventsForStepFunctionsExecutionRule'),
    ]);
  });

  test("the Spark job's own requests: Glue takes its role for this job, it reads its script and the version's CSV files, writes every output with the data key, logs and keeps bookmarks with the logs key, and registers its table", () => {
    const assumed = pipelineCalls.find((c) => c.action === 'sts:AssumeRole' && c.resource === jobRole);
    expect(assumed).toMatchObject({
      principal: 'glue.amazonaws.com',
      context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': jobArn },
    });
    const byJob = made((c) => c.principal === jobRole);
    const script = String(asObject(glueJob.properties.Command)!.ScriptLocation);
    const raw = `arn:aws:s3:::acme-dev-raw/${DatasetLayout.versionDir(MODEL, VERSION)}/`;
    const outputs = ['--curated', '--quarantine', '--TempDir'].map((a) =>
      String(asObject(glueJob.properties.DefaultArguments)![a]),
    );
    // The task's --report: one object, put whole at its exact key (nothing listed or deleted).
    const report = `s3://acme-dev-curated/${layout.etlReportKey(VERSION)}`;
    expect(byJob).toEqual(
      expect.arrayContaining([
        `${jobRole} s3:GetObject ${s3(script)}`,
        expect.stringMatching(`^${jobRole} s3:GetObject ${raw}[^/]+\\.csv$`),
        ...outputs.flatMap((uri) => [
          expect.stringMatching(`^${jobRole} s3:PutObject ${s3(uri)}`),
          expect.stringMatching(`^${jobRole} s3:DeleteObject ${s3(uri)}`),
        ]),
        `${jobRole} s3:PutObject ${s3(report)}`,
        ...['UpdateTable', 'CreateTable'].flatMap((verb) =>
          ['catalog', `database/${DATABASE}`, `table/${DATABASE}/${ROWS_TABLE}`].map(
            (r) => `${jobRole} glue:${verb} ${glueArn(r)}`,
          ),
        ),
        `${jobRole} kms:Encrypt ${logsKeyArn}`,
        `${jobRole} kms:Decrypt ${logsKeyArn}`,
      ]),
    );
    // Each output through S3 with a data key of the data key (the security configuration's).
    const writes = pipelineCalls.filter((c) => c.principal === jobRole && c.action === 's3:PutObject');
    expect(writes).toHaveLength(outputs.length + 1);
    expect(byJob).not.toContain(`${jobRole} s3:DeleteObject ${s3(report)}`);
    for (const write of writes) {
      expect(pipelineCalls).toContainEqual(
        expect.objectContaining({
          origin: write.origin,
          action: 'kms:GenerateDataKey',
          resource: dataKey,
          context: expect.objectContaining({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` }),
        }),
      );
    }
    // Its log groups are named after its security configuration and role, encrypted with the logs key.
    const roleName = jobRole.split('/').at(-1);
    for (const kind of ['output', 'error']) {
      const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/jobs/${String(security.Name)}-role/${roleName}/${kind}`;
      expect(byJob).toEqual(
        expect.arrayContaining([
          `${jobRole} logs:AssociateKmsKey ${group}`,
          expect.stringMatching(`^${jobRole} logs:PutLogEvents ${group}:log-stream:`),
        ]),
      );
      expect(pipelineCalls).toContainEqual(
        expect.objectContaining({
          principal: `logs.${REGION}.amazonaws.com`,
          action: 'kms:GenerateDataKey',
          resource: logsKeyArn,
          context: { 'kms:EncryptionContext:aws:logs:arn': group },
        }),
      );
    }
  });

  test("the dbt build's own requests: CodeBuild takes its role for the project, it reads its source, logs, queries in its workgroup, uses its database's tables and the Spark job's, writes results, tables and the features with the data key", () => {
    const assumed = pipelineCalls.find((c) => c.action === 'sts:AssumeRole' && c.resource === buildRole);
    expect(assumed).toMatchObject({
      principal: 'codebuild.amazonaws.com',
      context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': projectArn },
    });
    const byBuild = made((c) => c.principal === buildRole);
    const results = String(
      asObject(asObject(workGroup.WorkGroupConfiguration)!.ResultConfiguration)!.OutputLocation,
    );
    const logGroup = String(asObject(asObject(project.properties.LogsConfig)!.CloudWatchLogs)!.GroupName);
    expect(byBuild).toEqual(
      expect.arrayContaining([
        `${buildRole} s3:GetObject arn:aws:s3:::${String(asObject(project.properties.Source)!.Location)}`,
        expect.stringMatching(
          `^${buildRole} logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}:log-stream:`,
        ),
        ...['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults'].map(
          (a) => `${buildRole} athena:${a} ${workGroupArn}`,
        ),
        `${buildRole} glue:GetDatabase ${glueArn(`database/${DATABASE}`)}`,
        ...[
          'GetTable',
          'CreateTable',
          'UpdateTable',
          'DeleteTable',
          'GetPartitions',
          'BatchCreatePartition',
        ].map((a) =>
          expect.stringMatching(`^${buildRole} glue:${a} ${glueArn(`table/${DATABASE}/`)}[\\w]+$`),
        ),
        `${buildRole} glue:GetTable ${glueArn(`table/${DATABASE}/${ROWS_TABLE}`)}`,
        expect.stringMatching(`^${buildRole} s3:PutObject ${s3(results)}`),
        expect.stringMatching(`^${buildRole} s3:GetObject ${s3(results)}`),
        expect.stringMatching(`^${buildRole} s3:PutObject ${s3(curated(layout.tablesDir))}${DATABASE}/`),
        expect.stringMatching(`^${buildRole} s3:GetObject ${s3(curated(layout.curatedRowsDir))}`),
        expect.stringMatching(`^${buildRole} s3:PutObject ${s3(curated(layout.featuresDir(VERSION)))}`),
      ]),
    );
    const writes = pipelineCalls.filter((c) => c.principal === buildRole && c.action === 's3:PutObject');
    expect(writes.length).toBeGreaterThanOrEqual(3);
    for (const write of writes) {
      expect(pipelineCalls).toContainEqual(
        expect.objectContaining({ origin: write.origin, action: 'kms:GenerateDataKey', resource: dataKey }),
      );
    }
  });

  test('every call it makes is allowed', () => {
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
  });

  test("the Spark job and the dbt build reach no other model's data, nor a look-alike prefix", async () => {
    const denied = await check(crossModelCalls(authz.inventory, enumeration.calls, [MODEL, 'fraud']));
    expect(denied.map((c) => `${c.call.principal} ${c.call.action} ${c.call.resource}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^${jobRole} s3:PutObject arn:aws:s3:::acme-dev-curated/fraud/data/rows/`),
        expect.stringMatching(`^${jobRole} s3:GetObject arn:aws:s3:::acme-dev-raw/fraud/versions/`),
        expect.stringMatching(`^${buildRole} s3:PutObject arn:aws:s3:::acme-dev-curated/fraud/data/tables/`),
        expect.stringMatching(
          `^${buildRole} s3:PutObject arn:aws:s3:::acme-dev-curated/churnx/data/features/`,
        ),
      ]),
    );
    expect(denied.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test('they touch no other database, table or workgroup', async () => {
    const denied = await check(crossCatalogCalls(authz.inventory, enumeration.calls));
    expect(denied.map((c) => `${c.call.principal} ${c.call.action} ${c.call.resource}`)).toEqual(
      expect.arrayContaining([
        `${jobRole} glue:UpdateTable ${glueArn(`table/${DATABASE}x/${ROWS_TABLE}`)}`,
        expect.stringMatching(`^${buildRole} glue:CreateTable ${glueArn(`table/${DATABASE}x/`)}`),
        `${buildRole} glue:GetDatabase ${glueArn(`database/${DATABASE}x`)}`,
        `${buildRole} athena:StartQueryExecution ${workGroupArn}x`,
      ]),
    );
    expect(denied.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test('Glue and CodeBuild take the roles for this job and project of this account only', async () => {
    const assumptions = pipelineCalls.filter(
      (c) =>
        c.action === 'sts:AssumeRole' &&
        ['glue.amazonaws.com', 'codebuild.amazonaws.com'].includes(c.principal),
    );
    expect(assumptions).toHaveLength(2);
    const elsewhere = assumptions.flatMap((call): RunTimeCall[] => {
      const sourceArn = String(call.context!['aws:SourceArn']);
      return [
        // For the same-named job or project of another account.
        {
          ...call,
          context: {
            'aws:SourceAccount': '999999999999',
            'aws:SourceArn': sourceArn.replace(ACCOUNT, '999999999999'),
          },
        },
        // For another job of this account (the Glue role's trust names its job).
        ...(call.principal === 'glue.amazonaws.com'
          ? [
              {
                ...call,
                context: { ...call.context!, 'aws:SourceArn': sourceArn.replace(/[^/]+$/, 'another-job') },
              },
            ]
          : []),
      ];
    });
    expect((await check(assumptions)).filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
    expect((await check(elsewhere)).filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });
});

describe('the integrations by pattern', () => {
  const calls = (resource: string, parameters: Record<string, unknown>) =>
    taskCalls(authz.inventory, machine, { name: 'Step', resource }, parameters);
  const ofMachine = (derived: ReturnType<typeof calls>) =>
    derived.calls.filter((c) => c.principal === machineRole).map((c) => c.action);

  test('request-response Glue, CodeBuild and Step Functions tasks start, and follow nothing', () => {
    const glue = calls('arn:aws:states:::glue:startJobRun', { JobName: jobName });
    expect(ofMachine(glue)).toEqual(['glue:StartJobRun']);
    // The job still runs, with its own requests.
    expect(glue.calls.some((c) => c.principal === jobRole)).toBe(true);
    const build = calls('arn:aws:states:::codebuild:startBuild', { ProjectName: projectName });
    expect(ofMachine(build)).toEqual(['codebuild:StartBuild']);
    expect(build.calls.some((c) => c.principal === buildRole)).toBe(true);
    const execution = calls('arn:aws:states:::states:startExecution', {
      StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:child`,
    });
    expect(ofMachine(execution)).toEqual(['states:StartExecution']);
  });

  test('states:startExecution.sync (JSON output as a string) follows the execution it names like .sync:2', () => {
    const execution = calls('arn:aws:states:::states:startExecution.sync', {
      StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:child`,
      Name: 'run-1',
    });
    expect(execution.calls.map((c) => `${c.action} ${c.resource}`)).toEqual(
      expect.arrayContaining([
        `states:DescribeExecution arn:aws:states:${REGION}:${ACCOUNT}:execution:child:run-1`,
        `events:PutRule arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
      ]),
    );
  });

  test('a job or project outside the assembly, or an S3 argument the model does not know, is a problem', () => {
    expect(calls('arn:aws:states:::glue:startJobRun.sync', { JobName: 'another-job' }).problems).toEqual([
      'Glue job another-job is not in the assembly',
    ]);
    expect(calls('arn:aws:states:::codebuild:startBuild.sync', { ProjectName: 'another' }).problems).toEqual([
      'CodeBuild project another is not in the assembly',
    ]);
    expect(
      calls('arn:aws:states:::glue:startJobRun.sync', {
        JobName: jobName,
        Arguments: { '--features': 's3://acme-dev-curated/churn/data/features/' },
      }).problems,
    ).toEqual([
      `argument --features of Glue job ${jobName} names s3://acme-dev-curated/churn/data/features/: no model of whether the job reads or writes it`,
    ]);
  });
});
