import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { App } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { REPO_ROOT } from '../../config/repo-root';
import { TrainingPipeline } from '../../constructs';
import type { JsonObject } from '../../cfn/json-values';
import { AuthorizationModel, type RunTimeCall } from '../../lib/tools/authorization';
import { runSampleExecution } from '../../lib/tools/authorization/sample-execution';
import { taskCalls } from '../../lib/tools/authorization/state-machine-calls';
import { taskIntegration } from '../../lib/tools/integrations/kinds';
import { checkAll, cleanlyAllowed, cleanlyDenied, describeChecked } from '../support/checked-calls';
import { GOOD_EVALUATION } from '../support/pipeline-harness';
import { pipelineFixture } from '../support/training-fixtures';

/*
 * The tuning-job kind (lib/tools/integrations/tuning-job), checked against AWS's documents:
 * CreateHyperParameterTuningJob's request and DescribeHyperParameterTuningJob's answer as
 * botocore's service model (the project's venv) defines them; the IAM of a
 * `createHyperParameterTuningJob.sync` task as AWS's "Tune a Machine Learning Model" sample project
 * and the Step Functions Data Science SDK grant it; the trials' names as SageMaker documents them
 * ("This name is the prefix for the names of all training jobs that this tuning job launches").
 * The request is built from a real pipeline's Train request, as the Tune state's contract builds it.
 */

type Json = Record<string, any>;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const RESOURCE = 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync';
const TUNING_NAME = 'churn-tune-0123456789abcdef0123';

const { stack, props } = pipelineFixture(REGION);
const pipeline = new TrainingPipeline(stack, 'Pipeline', props);
const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
const machine = authz.inventory.deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find(
    (m) => m.logicalId === stack.getLogicalId(pipeline.stateMachine.node.defaultChild as sfn.CfnStateMachine),
  )!;
const machineRole = String(machine.properties.RoleArn);

/** The Train request of a sample run of the pipeline, resolved as the state sends it. */
let train: Json;
beforeAll(async () => {
  const definition = authz.inventory.deployed.definition(machine) as JsonObject;
  const sample = await runSampleExecution(definition, authz.inventory.deployed.ref(machine), {
    input: { datasetS3Uri: 's3://test-data-raw/churn/versions/v1/', datasetVersion: 'v1', reason: 'drift' },
    objectBody: () => JSON.stringify(GOOD_EVALUATION),
  });
  train = sample.taskParameters.get('Train') as Json;
  expect(train).toBeDefined();
});

/** Train's request without its name and checkpoints, hyperparameters static: a tuning job's definition (the contract). */
function definitionOf(request: Json): Json {
  const { TrainingJobName: _name, CheckpointConfig: _checkpoints, HyperParameters, ...rest } = request;
  return { ...rest, StaticHyperParameters: HyperParameters };
}

/** A tuning request as the Tune state sends it, its definition from Train's. */
function tuningRequest(overrides: Json = {}): Json {
  return {
    HyperParameterTuningJobName: TUNING_NAME,
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'max-depth', MinValue: '2', MaxValue: '5', ScalingType: 'Auto' }],
        ContinuousParameterRanges: [
          { Name: 'learning-rate', MinValue: '0.02', MaxValue: '0.3', ScalingType: 'Logarithmic' },
        ],
        CategoricalParameterRanges: [{ Name: 'booster', Values: ['gbtree', 'dart'] }],
      },
      TrainingJobEarlyStoppingType: 'Off',
    },
    TrainingJobDefinition: definitionOf(train),
    ...overrides,
  };
}

const callsOf = (state: string, resource: string, parameters: Json) =>
  taskCalls(authz.inventory, machine, { name: state, resource }, parameters);
const text = (c: RunTimeCall) =>
  `${c.principal} ${c.action} ${c.resource}${c.context ? ` ${JSON.stringify(c.context)}` : ''}`;
const arn = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;

describe('calls', () => {
  test("through the state machine's role: exactly what AWS grants a .sync tuning task, on the tuning job's ARN", () => {
    const { calls, problems } = callsOf('Tune', RESOURCE, tuningRequest());
    expect(problems).toEqual([]);
    const tuningArn = arn(`hyper-parameter-tuning-job/${TUNING_NAME}`);
    const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTuningJobsRule`;
    const jobRole = String(train.RoleArn);
    const volumeKey = callsOf('Train', 'arn:aws:states:::sagemaker:createTrainingJob.sync', train).calls.find(
      (c) => c.principal === machineRole && c.action === 'kms:CreateGrant',
    );
    expect(
      calls
        .filter((c) => c.principal === machineRole)
        .map(text)
        .sort(),
    ).toEqual(
      [
        `${machineRole} sagemaker:CreateHyperParameterTuningJob ${tuningArn}`,
        `${machineRole} sagemaker:DescribeHyperParameterTuningJob ${tuningArn}`,
        `${machineRole} sagemaker:StopHyperParameterTuningJob ${tuningArn}`,
        `${machineRole} iam:PassRole ${jobRole} {"iam:PassedToService":"sagemaker.amazonaws.com"}`,
        // The volume key's grant, as Train's (SageMaker's instances use it).
        text(volumeKey!),
        `${machineRole} events:PutTargets ${rule}`,
        `${machineRole} events:PutRule ${rule}`,
        `${machineRole} events:DescribeRule ${rule}`,
      ].sort(),
    );
  });

  test('tags at creation are an AddTags on the tuning job; a request-response task only creates', () => {
    const tagged = callsOf('Tune', RESOURCE, tuningRequest({ Tags: [{ Key: 'model', Value: 'churn' }] }));
    expect(tagged.calls.filter((c) => c.action === 'sagemaker:AddTags').map((c) => c.resource)).toEqual([
      arn(`hyper-parameter-tuning-job/${TUNING_NAME}`),
    ]);
    const started = callsOf('Tune', RESOURCE.replace(/\.sync$/, ''), tuningRequest());
    expect(started.calls.filter((c) => c.principal === machineRole).map((c) => c.action)).toEqual(
      expect.arrayContaining(['sagemaker:CreateHyperParameterTuningJob', 'iam:PassRole']),
    );
    expect(started.calls.map((c) => c.action)).not.toContain('sagemaker:DescribeHyperParameterTuningJob');
    expect(started.calls.map((c) => c.action)).not.toContain('events:PutRule');
  });

  test('names are not case sensitive (the API reference): the ARNs are in lower case', () => {
    const { calls } = callsOf(
      'Tune',
      RESOURCE,
      tuningRequest({ HyperParameterTuningJobName: 'Churn-Tune-ABC' }),
    );
    const sagemaker = calls.filter((c) => c.action.startsWith('sagemaker:') || c.action === 'sts:AssumeRole');
    expect(sagemaker.length).toBeGreaterThan(0);
    expect(calls.find((c) => c.action === 'sagemaker:CreateHyperParameterTuningJob')!.resource).toBe(
      arn('hyper-parameter-tuning-job/churn-tune-abc'),
    );
    const assumed = calls.find((c) => c.action === 'sts:AssumeRole')!;
    expect(assumed.context!['aws:SourceArn']).toMatch(/training-job\/churn-tune-abc-\d{3}-[0-9a-f]{8}$/);
  });

  test("a trial is a training job named with the tuning job's name as prefix, and requests through its role what Train does", () => {
    const { calls } = callsOf('Tune', RESOURCE, tuningRequest());
    const jobRole = String(train.RoleArn);
    const assumed = calls.filter((c) => c.action === 'sts:AssumeRole');
    expect(assumed).toEqual([
      expect.objectContaining({
        principal: 'sagemaker.amazonaws.com',
        resource: jobRole,
        context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': expect.any(String) },
      }),
    ]);
    const source = String(assumed[0].context!['aws:SourceArn']);
    expect(source.startsWith(arn(`training-job/${TUNING_NAME}-`))).toBe(true);
    const trial = source.slice(source.lastIndexOf('/') + 1);
    expect(trial).toMatch(new RegExp(`^${TUNING_NAME}-\\d{3}-[0-9a-f]{8}$`));
    // Train's own requests, had it been named as the trial and had no checkpoints.
    const { StaticHyperParameters: _static, ...settings } = definitionOf(train);
    const asTrial = { ...settings, TrainingJobName: trial, HyperParameters: train.HyperParameters };
    const trainCalls = callsOf('Train', 'arn:aws:states:::sagemaker:createTrainingJob.sync', asTrial).calls;
    const ofJob = (all: RunTimeCall[]) =>
      all
        .filter((c) => c.principal === jobRole || c.resource === jobRole)
        .filter((c) => c.action !== 'iam:PassRole')
        .map((c) => `${text(c)} ${c.origin.replace(/state (Tune|Train) /, 'state ')}`)
        .sort();
    expect(ofJob(calls)).toEqual(ofJob(trainCalls));
    // What Train reads and writes: the code and data channels, the model artifact under the trial's name.
    expect(
      ofJob(calls).some((c) => c.includes(` s3:PutObject `) && c.includes(`/${trial}/output/model.tar.gz`)),
    ).toBe(true);
  });

  test('each of TrainingJobDefinitions has its trial, its role passed', () => {
    const definition = definitionOf(train);
    const { TrainingJobDefinition: _one, ...request } = tuningRequest();
    const { calls, problems } = callsOf('Tune', RESOURCE, {
      ...request,
      TrainingJobDefinitions: [
        { ...definition, DefinitionName: 'a' },
        { ...definition, DefinitionName: 'b' },
      ],
    });
    expect(problems).toEqual([]);
    const sources = calls
      .filter((c) => c.action === 'sts:AssumeRole')
      .map((c) => c.context!['aws:SourceArn']);
    expect(new Set(sources).size).toBe(2);
    expect(calls.filter((c) => c.action === 'iam:PassRole').map((c) => c.resource)).toEqual([train.RoleArn]);
  });

  test.each([
    ['HyperParameterTuningJobName', (r: Json) => delete r.HyperParameterTuningJobName],
    ['TrainingJobDefinition.RoleArn', (r: Json) => delete r.TrainingJobDefinition.RoleArn],
    ['TrainingJobDefinition', (r: Json) => delete r.TrainingJobDefinition],
  ])('without %s, no calls are derived and the problem names it', (field, remove) => {
    const request = structuredClone(tuningRequest());
    remove(request);
    const { calls, problems } = callsOf('Tune', RESOURCE, request);
    expect(calls).toEqual([]);
    expect(problems).toEqual([expect.stringContaining(field)]);
  });
});

describe("against the pipeline's policies", () => {
  const otherModel = 'diabetes-tune-0123456789abcdef';

  test("the state machine cannot start, nor pass a role to, a tuning job of another model's prefix, nor pass another role", async () => {
    const { calls } = callsOf('Tune', RESOURCE, tuningRequest({ HyperParameterTuningJobName: otherModel }));
    const otherRole = [...authz.inventory.roles.keys()].find(
      (r) => r !== train.RoleArn && r !== machineRole,
    )!;
    const denied = [
      ...calls.filter((c) => c.principal === machineRole && /HyperParameterTuningJob$/.test(c.action)),
      { ...calls.find((c) => c.action === 'iam:PassRole')!, resource: otherRole },
    ];
    expect(denied.length).toBe(4);
    const checked = await checkAll(authz, denied);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
    // The role it passes for its own trials is the one Train passes, which the policies allow.
    const own = await checkAll(
      authz,
      callsOf('Tune', RESOURCE, tuningRequest()).calls.filter((c) => c.action === 'iam:PassRole'),
    );
    expect(own.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
  });

  test("SageMaker cannot take the model's job role for a trial of another model's tuning job", async () => {
    const { calls } = callsOf('Tune', RESOURCE, tuningRequest({ HyperParameterTuningJobName: otherModel }));
    const assumed = calls.filter((c) => c.action === 'sts:AssumeRole');
    expect(assumed.length).toBe(1);
    const checked = await checkAll(authz, assumed);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
  });
});

describe('sample', () => {
  /** The botocore shapes of the SageMaker API model in the project's venv. */
  const shapes = (() => {
    const lib = join(REPO_ROOT, '.venv', 'lib');
    const python = readdirSync(lib).find((d) => d.startsWith('python'))!;
    const data = join(lib, python, 'site-packages', 'botocore', 'data', 'sagemaker');
    const version = readdirSync(data).sort().pop()!;
    const model = JSON.parse(
      gunzipSync(readFileSync(join(data, version, 'service-2.json.gz'))).toString(),
    ) as {
      shapes: Record<string, { required?: string[]; members?: Record<string, unknown> }>;
    };
    return model.shapes;
  })();

  /** A Tune state and its selector as the contract renders them, and a state that records what it selected. */
  const definition = (tuning: Json) => ({
    StartAt: 'Tune',
    States: {
      Tune: {
        Type: 'Task',
        Resource: RESOURCE,
        Parameters: {
          'HyperParameterTuningJobName.$': "States.Format('churn-tune-{}', $.run.tuneId)",
          ...Object.fromEntries(Object.entries(tuning).filter(([k]) => k !== 'HyperParameterTuningJobName')),
        },
        ResultSelector: {
          'jobName.$': '$.BestTrainingJob.TrainingJobName',
          'jobArn.$': '$.BestTrainingJob.TrainingJobArn',
          'modelArtifacts.$':
            "States.Format('{}{}/output/model.tar.gz', $.TrainingJobDefinition.OutputDataConfig.S3OutputPath, $.BestTrainingJob.TrainingJobName)",
          'tuningJobName.$': '$.HyperParameterTuningJobName',
          'tuningJobArn.$': '$.HyperParameterTuningJobArn',
          'tunedHyperParameters.$': '$.BestTrainingJob.TunedHyperParameters',
          'objective.$': '$.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric',
        },
        ResultPath: '$.train',
        Next: 'Record',
      },
      Record: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: { TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:runs`, 'Message.$': '$.train' },
        End: true,
      },
    },
  });

  test("resolves the Tune state's ResultSelector: the best trial, its artifact, the tuning job and its tuned values", async () => {
    const tuneId = '0123456789abcdef0123';
    const request = tuningRequest();
    const sample = await runSampleExecution(
      definition(request),
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:churn-training`,
      { input: { run: { tuneId } } },
    );
    expect(sample.failure).toBeUndefined();
    const selected = sample.taskParameters.get('Record')!.Message as Json;
    const name = `churn-tune-${tuneId}`;
    const outputPath = String(request.TrainingJobDefinition.OutputDataConfig.S3OutputPath);
    expect(selected.jobName).toMatch(new RegExp(`^${name}-`));
    expect(selected).toEqual({
      jobName: selected.jobName,
      jobArn: arn(`training-job/${String(selected.jobName).toLowerCase()}`),
      // SageMaker's layout of a training job's output (the output path ends with /).
      modelArtifacts: `${outputPath}${selected.jobName}/output/model.tar.gz`,
      tuningJobName: name,
      tuningJobArn: arn(`hyper-parameter-tuning-job/${name}`),
      tunedHyperParameters: {
        'max-depth': expect.any(String),
        'learning-rate': expect.any(String),
        booster: expect.any(String),
      },
      objective: expect.objectContaining({ MetricName: 'validation:auc', Value: expect.any(Number) }),
    });
    const tuned = selected.tunedHyperParameters as Record<string, string>;
    expect(Number(tuned['max-depth'])).toBeGreaterThanOrEqual(2);
    expect(Number(tuned['max-depth'])).toBeLessThanOrEqual(5);
    expect(Number(tuned['learning-rate'])).toBeGreaterThanOrEqual(0.02);
    expect(Number(tuned['learning-rate'])).toBeLessThanOrEqual(0.3);
    expect(['gbtree', 'dart']).toContain(tuned.booster);
  });

  test("is DescribeHyperParameterTuningJob's answer: botocore's shapes, their required members, status Completed, the definition echoed", () => {
    const found = taskIntegration(RESOURCE);
    if ('problem' in found) throw new Error(found.problem);
    const request = tuningRequest();
    const answer = found.integration.sample(
      {
        api: found.api,
        pattern: found.pattern,
        where: { partition: 'aws', region: REGION, account: ACCOUNT },
        answers: {},
      },
      request,
    ) as Json;
    const response = shapes.DescribeHyperParameterTuningJobResponse;
    const summary = shapes.HyperParameterTrainingJobSummary;
    expect(Object.keys(answer).filter((k) => !(k in response.members!))).toEqual([]);
    expect(response.required!.filter((k) => !(k in answer))).toEqual([]);
    expect(Object.keys(answer.BestTrainingJob).filter((k) => !(k in summary.members!))).toEqual([]);
    expect(summary.required!.filter((k) => !(k in answer.BestTrainingJob))).toEqual([]);
    expect(answer.HyperParameterTuningJobStatus).toBe('Completed');
    expect(answer.TrainingJobDefinition).toEqual(request.TrainingJobDefinition);
    expect(answer.HyperParameterTuningJobConfig).toEqual(request.HyperParameterTuningJobConfig);
    expect(
      Object.values(answer.BestTrainingJob.TunedHyperParameters).every((v) => typeof v === 'string'),
    ).toBe(true);
  });
});
