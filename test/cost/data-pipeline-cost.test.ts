import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { DataCatalog, DbtProject, SparkJob } from '../../constructs';
import { REPO_ROOT } from '../../config/repo-root';
import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import { formatCostReport } from '../../lib/tools/cost/report';
import { oneEnvironmentReport } from '../support/one-environment-report';
import type { CfnTemplate } from '../../cfn/cfn-template';
import { DATA_TEST_REGION, dataStack } from '../support/data-stack';

/**
 * AWS's documented list prices (us-east-1 and eu-west-1), written here from the pricing pages,
 * not read from the price table, so that a wrong table entry fails:
 * https://aws.amazon.com/glue/pricing/ (Spark jobs per DPU-hour; G.1X = 1 DPU, G.2X = 2, per
 * second with a 1-minute minimum; Data Catalog $1 per 100,000 objects a month),
 * https://aws.amazon.com/codebuild/pricing/ (general1.small Linux per build minute),
 * https://aws.amazon.com/athena/pricing/ (per TB scanned, 10 MB minimum a query),
 * https://aws.amazon.com/step-functions/pricing/ (standard workflows, per 1,000 transitions).
 */
const DOCUMENTED = {
  dpuHour: 0.44,
  dpusPerWorker: { 'G.1X': 1, 'G.2X': 2 },
  catalogObjectMonth: 1 / 100_000,
  buildMinuteSmall: 0.005,
  athenaPerTb: 5,
  athenaMinimumBytes: 10_000_000,
  perTransition: 0.025 / 1000,
};

const REGION = DATA_TEST_REGION;

/**
 * A stack of the data constructs and a pipeline as `DataPipeline` builds one: the Spark job
 * (G.2X × 3, at most 45 min a run, retried once), a dbt build (at most 30 min) and a stand-in
 * training pipeline it starts; the ETL state retries twice, the build's failure ends the run.
 * With `etlTaskTimeout`, the state gives the run its own time limit, as `DataPipeline` does.
 */
function dataPipelineTemplate(options: { etlTaskTimeout?: Duration; defaults?: boolean } = {}): CfnTemplate {
  const { app, stack, dataStore, logsKey } = dataStack();
  const sparkJob = new SparkJob(stack, 'Etl', {
    dataStore,
    logsKey,
    scriptPath: join(REPO_ROOT, 'ml', 'data', 'etl.py'),
    ...(options.defaults
      ? {}
      : { workerType: 'G.2X', numberOfWorkers: 3, timeout: Duration.minutes(45), maxRetries: 1 }),
  });
  const catalog = new DataCatalog(stack, 'Catalog', {
    dataStore,
    databaseName: 'acme_dev_curated',
    workGroupName: 'acme-dev',
    bytesScannedCutoffPerQuery: 2 ** 30,
  });
  const dbtProject = new DbtProject(stack, 'Features', {
    projectPath: join(REPO_ROOT, 'ml', 'data', 'dbt'),
    catalog,
    logsKey,
    timeout: Duration.minutes(30),
  });
  const training = new sfn.StateMachine(stack, 'Training', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'TrainStandIn')),
  });
  const etl = new tasks.GlueStartJobRun(stack, 'CleanRawData', {
    glueJobName: sparkJob.jobName,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    ...(options.etlTaskTimeout ? { taskTimeout: sfn.Timeout.duration(options.etlTaskTimeout) } : {}),
  });
  etl.addRetry({ errors: ['Glue.ThrottlingException'], maxAttempts: 2 });
  const build = new tasks.CodeBuildStartBuild(stack, 'BuildFeatures', {
    project: dbtProject.project,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
  });
  build.addCatch(new sfn.Fail(stack, 'Failed'));
  const train = new tasks.StepFunctionsStartExecution(stack, 'Train', {
    stateMachine: training,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
  });
  new sfn.StateMachine(stack, 'Pipeline', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      etl.next(build).next(train).next(new sfn.Succeed(stack, 'Succeeded')),
    ),
  });
  return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
}

const logicalIdOf = (template: CfnTemplate, type: string, prefix = '') =>
  Object.entries(template.Resources ?? {}).find(([id, r]) => r.Type === type && id.startsWith(prefix))![0];

const estimate = (template: CfnTemplate) =>
  estimateEnvironment({ name: 'test', region: REGION, stacks: { Data: template } });

describe('a data pipeline of the data constructs', () => {
  const template = dataPipelineTemplate();
  const result = estimate(template);
  const [run] = result.dataPipelineRuns;
  const line = (prefix: string) => run.lines.find((l) => l.item.startsWith(prefix))!;

  test('every resource type it brings is priced or free while idle: no price is missing', () => {
    expect(result.missing).toEqual([]);
    const free = result.freeWhileIdle.map((f) => f.type);
    for (const type of [
      'AWS::Glue::Job',
      'AWS::Glue::SecurityConfiguration',
      'AWS::Athena::WorkGroup',
      'AWS::CodeBuild::Project',
      'AWS::StepFunctions::StateMachine',
      'AWS::IAM::Role',
      'AWS::IAM::Policy',
    ]) {
      expect(free).toContain(type);
    }
    // The dbt build's KMS-encrypted log group, with the data store's and the pipeline's others.
    const logGroups = Object.values(template.Resources ?? {}).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(result.idle.find((l) => l.item === 'CloudWatch Logs stored data')).toMatchObject({
      usd: 0,
      quantityText: `${logGroups.length} log group${logGroups.length === 1 ? '' : 's'}, 0 GB`,
    });
    // The Glue database is one Data Catalog object a month.
    const catalog = result.idle.find((l) => l.item === 'Glue Data Catalog objects')!;
    expect(catalog.quantity).toBe(1);
    expect(catalog.usd).toBeCloseTo(DOCUMENTED.catalogObjectMonth, 12);
  });

  test('the Glue job runs, each to its time limit: runs × workers × DPUs × hours × the DPU-hour price', () => {
    const job = template.Resources![logicalIdOf(template, 'AWS::Glue::Job')].Properties as Record<
      string,
      any
    >;
    expect(job).toMatchObject({ WorkerType: 'G.2X', NumberOfWorkers: 3, Timeout: 45, MaxRetries: 1 });
    const runs = 1 + job.MaxRetries;
    const expected =
      runs * job.NumberOfWorkers * DOCUMENTED.dpusPerWorker['G.2X'] * (job.Timeout / 60) * DOCUMENTED.dpuHour;
    expect(expected).toBeCloseTo(3.96, 6); // 2 runs × 3 workers × 2 DPU × 0.75 h × $0.44
    expect(line('CleanRawData')).toMatchObject({
      resources: [`Data/${logicalIdOf(template, 'AWS::Glue::Job')}`],
      quantityText: '2 runs × 3 workers × 2 DPU × 0.75 h',
    });
    expect(line('CleanRawData').usd).toBeCloseTo(expected, 6);
  });

  test('the dbt build runs to its time limit, at the general1.small build-minute price', () => {
    const project = template.Resources![logicalIdOf(template, 'AWS::CodeBuild::Project')]
      .Properties as Record<string, any>;
    expect(project.Environment).toMatchObject({
      ComputeType: 'BUILD_GENERAL1_SMALL',
      Type: 'LINUX_CONTAINER',
    });
    expect(line('BuildFeatures').quantity).toBe(project.TimeoutInMinutes);
    expect(line('BuildFeatures').usd).toBeCloseTo(30 * DOCUMENTED.buildMinuteSmall, 6);
  });

  test('its state transitions: every state of the longest way, every retry', () => {
    // CleanRawData + its 2 retries, BuildFeatures, Train, Succeeded (the catch's Failed is shorter).
    const transitions = 3 + 1 + 1 + 1;
    expect(line('state transitions')).toMatchObject({ quantityText: `${transitions} (every retry)` });
    expect(line('state transitions').usd).toBeCloseTo(transitions * DOCUMENTED.perTransition, 12);
  });

  test('a run is the sum of its steps, and names the training pipeline it starts (priced on its own)', () => {
    const expected = 3.96 + 30 * DOCUMENTED.buildMinuteSmall + 6 * DOCUMENTED.perTransition;
    expect(run.usd).toBeCloseTo(expected, 9);
    expect(run.missing).toEqual([]);
    expect(run.starts).toEqual([
      `Data/${logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'Training')}`,
    ]);
    expect(result.trainingRuns).toEqual([]); // the stand-in starts no SageMaker job
  });

  test("an Athena query costs from the 10 MB minimum to the workgroup's scan limit", () => {
    expect(result.athenaQueries).toEqual([
      expect.objectContaining({ name: 'acme-dev', bytesScannedCutoffPerQuery: 2 ** 30 }),
    ]);
    const [query] = result.athenaQueries;
    expect(query.minimumUsd).toBeCloseTo((DOCUMENTED.athenaMinimumBytes / 1e12) * DOCUMENTED.athenaPerTb, 12);
    expect(query.boundUsd).toBeCloseTo((2 ** 30 / 1e12) * DOCUMENTED.athenaPerTb, 12);
  });

  test('the report shows each step, the run, the training it starts and the Athena queries', () => {
    const report = oneEnvironmentReport(result, REGION);
    const text = formatCostReport(report);
    const unwrapped = text.replace(/\n {4}/g, ' ');
    expect(text).toMatch(
      /CleanRawData \(Glue Spark job, 3 × G\.2X\) +2 runs × 3 workers × 2 DPU × 0\.75 h +\$0\.44\/DPU-hour +\$3\.96/,
    );
    expect(text).toMatch(
      /BuildFeatures \(CodeBuild build, BUILD_GENERAL1_SMALL\) +30 min +\$0\.005\/build-minute +\$0\.15/,
    );
    expect(text).toMatch(/: per run +\$4\.11\n/);
    expect(text).toMatch(/then starts Data\/Training\w+: its run is priced on its own/);
    expect(unwrapped).toContain(
      'Athena queries of workgroup acme-dev: $5.00/TB scanned, from $0.00005 (the 10 MB minimum) to $0.0054 (its 1 GiB scan limit) per query',
    );
    // The summary's runs are the data pipeline's (there is no training pipeline here).
    expect(text).toMatch(/test +eu-west-1 +\$\d+\.\d\d +\$\d+\.\d\d +\$4\.11$/m);
  });
});

test("a G.1X × 2 job whose state gives the run 2 hours costs 2 workers × 1 DPU × 2 h × $0.44, not the job's 1 hour", () => {
  const template = dataPipelineTemplate({ defaults: true, etlTaskTimeout: Duration.hours(2) });
  const job = template.Resources![logicalIdOf(template, 'AWS::Glue::Job')].Properties as Record<string, any>;
  expect(job).toMatchObject({ WorkerType: 'G.1X', NumberOfWorkers: 2, Timeout: 60, MaxRetries: 0 });
  const [run] = estimate(template).dataPipelineRuns;
  const etl = run.lines.find((l) => l.item.startsWith('CleanRawData'))!;
  expect(etl.quantityText).toBe('2 workers × 1 DPU × 2 h');
  expect(etl.usd).toBeCloseTo(2 * DOCUMENTED.dpusPerWorker['G.1X'] * 2 * DOCUMENTED.dpuHour, 6); // $1.76
  expect(etl.note).toMatch(/the run's Timeout \(120 min\) set by the state, not the job's 60 min/);
});

/** A hand-written data pipeline: a Glue job, and a state machine starting it (`options` change either). */
function handWritten(options: { job?: object; parameters?: object; states?: object } = {}): CfnTemplate {
  return {
    Resources: {
      Job: {
        Type: 'AWS::Glue::Job',
        Properties: {
          Name: 'etl',
          Command: { Name: 'glueetl' },
          GlueVersion: '5.1',
          WorkerType: 'G.1X',
          NumberOfWorkers: 2,
          Timeout: 30,
          ...options.job,
        },
      },
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          Definition: {
            StartAt: 'Etl',
            States: {
              Etl: {
                Type: 'Task',
                Resource: 'arn:aws:states:::glue:startJobRun.sync',
                Parameters: { JobName: 'etl', ...options.parameters },
                End: true,
              },
              ...options.states,
            },
          },
        },
      },
    },
  };
}

test("without a Timeout, a job run may last Glue's default 2,880 minutes", () => {
  const [noLimit] = estimate(handWritten({ job: { Timeout: undefined } })).dataPipelineRuns;
  expect(noLimit.lines[0].usd).toBeCloseTo(2 * (2880 / 60) * DOCUMENTED.dpuHour, 6);
  expect(noLimit.lines[0].note).toMatch(/no Timeout: Glue's default 2880 min/);
});

test.each([
  [
    'a worker type without DPUs in the estimate',
    { job: { WorkerType: 'Z.2X' } },
    /worker type Z\.2X is not estimated/,
  ],
  [
    'the Flex execution class',
    { job: { ExecutionClass: 'FLEX' } },
    /Flex execution class is not in the price table/,
  ],
  ['a Python shell job', { job: { Command: { Name: 'pythonshell' } } }, /pythonshell jobs are not estimated/],
  ['Glue 1.0 (10-minute minimum)', { job: { GlueVersion: '1.0' } }, /Glue 1\.0 is not estimated/],
  [
    'workers set at run time',
    { parameters: { 'NumberOfWorkers.$': '$.workers' } },
    /its number of workers \(NumberOfWorkers\) is set at run time/,
  ],
  [
    'a job named at run time',
    { parameters: { JobName: undefined, 'JobName.$': '$.job' } },
    /its job is named at run time/,
  ],
  [
    'a job not in the templates',
    { parameters: { JobName: 'elsewhere' } },
    /its job elsewhere is not in these templates/,
  ],
])('%s is a missing price that says why, never a silent 0', (_what, options, why) => {
  const result = estimate(handWritten(options));
  expect(result.dataPipelineRuns[0].lines[0].usd).toBeUndefined();
  expect(result.missing).toEqual([expect.stringMatching(why)]);
  expect(result.missing[0]).toMatch(/^Data\/Pipeline Etl: /);
});

test('transitions: a Choice takes its longest branch, a Parallel state adds its branches, retries count', () => {
  expect(estimate(handWritten()).dataPipelineRuns[0].lines[1].quantityText).toBe('1 (every retry)');

  const template = handWritten();
  const definition = (template.Resources!.Pipeline.Properties as any).Definition;
  definition.StartAt = 'Route';
  definition.States = {
    Route: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Both' }], Default: 'Etl' },
    // Entered once, its branches (2 and 1 states) once, then retried once: 2 × (1 + 3) = 8.
    Both: {
      Type: 'Parallel',
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 1 }],
      Branches: [
        { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } } },
        { StartAt: 'C', States: { C: { Type: 'Pass', End: true } } },
      ],
      Next: 'Etl',
    },
    // Retried as often as its retriers allow: 2 + 3 (the default MaxAttempts).
    Etl: {
      ...definition.States.Etl,
      Retry: [
        { ErrorEquals: ['Glue.ThrottlingException'], MaxAttempts: 2 },
        { ErrorEquals: ['States.Timeout'] },
      ],
    },
  };
  const [run] = estimate(template).dataPipelineRuns;
  const transitions = 1 + 8 + (1 + 2 + 3); // Route, Both, Etl
  expect(run.lines[1].quantityText).toBe(`${transitions} (every retry)`);
  expect(run.lines[1].usd).toBeCloseTo(transitions * DOCUMENTED.perTransition, 12);
});

test('a Map state or a loop cannot be bounded: its transitions are a missing price', () => {
  const template = handWritten({ states: { Again: { Type: 'Pass', Next: 'Etl' } } });
  const definition = (template.Resources!.Pipeline.Properties as any).Definition;
  definition.States.Etl = { ...definition.States.Etl, End: undefined, Next: 'Again' };
  expect(estimate(template).missing).toEqual([
    expect.stringMatching(
      /^Data\/Pipeline: its state transitions cannot be counted: it can loop \(Etl > Again > Etl\)/,
    ),
  ]);

  const mapped = handWritten();
  const states = (mapped.Resources!.Pipeline.Properties as any).Definition.States;
  states.Etl = { ...states.Etl, End: undefined, Next: 'Each' };
  states.Each = {
    Type: 'Map',
    ItemsPath: '$.items',
    Iterator: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    End: true,
  };
  expect(estimate(mapped).missing).toEqual([expect.stringMatching(/its Map state Each runs once per item/)]);
});

test('a build on a compute type the table does not price is a missing price naming it', () => {
  const result = estimate({
    Resources: {
      Project: {
        Type: 'AWS::CodeBuild::Project',
        Properties: {
          Environment: { Type: 'LINUX_CONTAINER', ComputeType: 'BUILD_GENERAL1_LARGE' },
          TimeoutInMinutes: 20,
        },
      },
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: {
            'Fn::Join': [
              '',
              [
                '{"StartAt":"Build","States":{"Build":{"Type":"Task","Resource":"arn:aws:states:::codebuild:startBuild.sync","Parameters":{"ProjectName":"',
                { Ref: 'Project' },
                '"},"End":true}}}',
              ],
            ],
          },
        },
      },
    },
  });
  const [build] = result.dataPipelineRuns[0].lines;
  expect(build.resources).toEqual(['Data/Project']);
  expect(build.usd).toBeUndefined();
  expect(result.missing).toEqual([
    expect.stringMatching(
      /^Data\/Pipeline Build: no price for CodeBuild LINUX_CONTAINER BUILD_GENERAL1_LARGE in eu-west-1: add it to lib\/tools\/cost\/prices\.ts \(priced there: LINUX_CONTAINER BUILD_GENERAL1_SMALL\)/,
    ),
  ]);
});
