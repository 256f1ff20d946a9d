import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { resolveIntrinsics, stateMachineDefinition } from '../../cfn/template-intrinsics';
import { ARTIFACT_METADATA } from '../../constructs/common/artifact-integrity';
import {
  ARTIFACT_VERSION_ID,
  awsError,
  GOOD_EVALUATION,
  type PipelineRun,
  runPipeline,
  TRAINING_ANSWERS,
} from '../support/pipeline-harness';
import { platformAssembly } from '../support/platform';
import { modelStep } from '../../constructs';

const { assembly, config } = platformAssembly();
const dev = stateMachineDefinition(assembly, 'Dev/ChurnModel', 'ChurnPipeline/StateMachine');
/** The state that trains churn: Train, or Tune where it tunes. */
const TRAINS = modelStep(config.models.find((m) => m.name === 'churn')!.tuning !== undefined).state as
  'Train' | 'Tune';

/** The training job whose model a run evaluated: Train's, or Tune's best trial (its request is the trials'). */
function trainedJob(run: PipelineRun): { request: any; name: string } {
  const call = run.calls[TRAINS][0] as any;
  if (TRAINS === 'Train') return { request: call, name: call.TrainingJobName };
  const answer = TRAINING_ANSWERS.Tune(call) as any;
  return { request: call.TrainingJobDefinition, name: answer.BestTrainingJob.TrainingJobName };
}
const RAW_BUCKET = 'mlenv-dev-111111111111-eu-west-1-raw';
const RAW = `s3://${RAW_BUCKET}`;
const INPUT = {
  datasetS3Uri: `${RAW}/churn/2026-11-30.csv`,
  datasetVersion: '3f2a9c0d1e4b5a69',
  reason: 'new-data',
};

describe('training pipeline, executed locally', () => {
  test('a good model is trained on the dataset, evaluated and registered with metrics and lineage', async () => {
    const run = await runPipeline(dev, INPUT, { executionName: 'manual-2026-11-30' });
    expect(run.status).toBe('SUCCEEDED');
    expect(Object.keys(run.calls)).toEqual([
      'Preprocess',
      TRAINS,
      'Evaluate',
      'Baseline',
      'ReadMetrics',
      'ReadArtifactVersion',
      'RegisterModel',
      'NotifySuccess',
    ]);

    const preprocess = run.calls.Preprocess[0] as any;
    expect(preprocess.ProcessingInputs.find((i: any) => i.InputName === 'raw').S3Input.S3Uri).toBe(
      INPUT.datasetS3Uri,
    );
    const { request: train, name: trainedName } = trainedJob(run);
    const splits = preprocess.ProcessingOutputConfig.Outputs.map((o: any) => o.S3Output.S3Uri);
    // Training reads exactly the splits preprocessing wrote; evaluation reads its test split and model.
    expect(
      train.InputDataConfig.filter((c: any) => c.ChannelName !== 'code').map(
        (c: any) => c.DataSource.S3DataSource.S3Uri,
      ),
    ).toEqual([`${splits[0]}/`, `${splits[1]}/`]);
    const evaluate = run.calls.Evaluate[0] as any;
    const evaluateInputs = Object.fromEntries(
      evaluate.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri]),
    );
    expect(evaluateInputs.test).toBe(`${splits[2]}/`);
    expect(evaluateInputs.model).toBe(
      `${train.OutputDataConfig.S3OutputPath}${trainedName}/output/model.tar.gz`,
    );

    const register = run.calls.RegisterModel[0] as any;
    expect(register).toMatchObject({
      ModelPackageGroupName: 'mlenv-dev-churn',
      ModelApprovalStatus: 'Approved',
      ModelMetrics: {
        ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: [...run.s3.keys()][0] } },
      },
      CustomerMetadataProperties: {
        datasetS3Uri: INPUT.datasetS3Uri,
        datasetVersion: INPUT.datasetVersion,
        trigger: 'new-data',
        codeVersion: 'test-version',
        executionArn: expect.stringMatching(/:execution:ChurnPipeline:manual-2026-11-30$/),
        trainingJobName: trainedName,
        sourceArchive: expect.stringMatching(
          /^s3:\/\/cdk-[a-z0-9]+-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.gz$/,
        ),
      },
    });
    // The package pins the bytes it was evaluated with: the version HEAD found at the artifact's
    // key, and the archive's and its files' SHA-256 as the evaluation recorded them.
    const artifact = new URL(evaluateInputs.model);
    expect(run.calls.ReadArtifactVersion[0]).toEqual({
      Bucket: artifact.host,
      Key: artifact.pathname.slice(1),
    });
    expect(register.CustomerMetadataProperties).toMatchObject({
      [ARTIFACT_METADATA.sha256]: GOOD_EVALUATION.mlenv_artifact.sha256,
      [ARTIFACT_METADATA.filesSha256]: GOOD_EVALUATION.mlenv_artifact.files_sha256,
      [ARTIFACT_METADATA.versionId]: ARTIFACT_VERSION_ID,
    });
    expect(register.InferenceSpecification.Containers[0]).toMatchObject({
      ModelDataUrl: evaluateInputs.model,
      Environment: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code' },
    });
    expect((run.calls.NotifySuccess[0] as any).Message).toMatchObject({
      result: 'registered',
      modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-dev-churn/1',
      metric: 'auc',
      value: 0.97,
    });
  });

  test('a model below the quality gate is not registered, and people are told why', async () => {
    const run = await runPipeline(dev, INPUT, {
      evaluation: { binary_classification_metrics: { auc: { value: 0.85, standard_deviation: 'NaN' } } },
    });
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'QualityGateFailed',
      cause: 'auc 0.85 does not pass the quality gate auc >= 0.9',
    });
    expect(run.calls.RegisterModel).toBeUndefined();
    expect((run.calls.NotifyFailure[0] as any).Message).toMatchObject({
      result: 'failed',
      error: 'QualityGateFailed',
    });
  });

  test('a failed training job is caught, notified, and fails the execution', async () => {
    const run = await runPipeline(dev, INPUT, {
      overrides: {
        [TRAINS]: () => {
          throw awsError(
            'States.TaskFailed',
            '{"TrainingJobStatus":"Failed","FailureReason":"AlgorithmError: exit 2"}',
          );
        },
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(run.cause).toContain('AlgorithmError');
    expect(run.calls[TRAINS]).toHaveLength(1); // a failed job is not retried
    expect(run.calls.Evaluate).toBeUndefined();
    expect((run.calls.NotifyFailure[0] as any).Message).toMatchObject({ error: 'States.TaskFailed' });
  });

  test('SageMaker throttling is retried, then the run succeeds', async () => {
    let attempts = 0;
    const run = await runPipeline(dev, INPUT, {
      overrides: {
        [TRAINS]: (p) => {
          attempts++;
          if (attempts < 3) throw awsError('SageMaker.ThrottlingException', 'Rate exceeded');
          return TRAINING_ANSWERS[TRAINS](p);
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls[TRAINS]).toHaveLength(3);
    expect(run.calls.NotifyFailure).toBeUndefined();
  });

  test('throttling that does not stop fails after the retries, notified', async () => {
    const run = await runPipeline(dev, INPUT, {
      overrides: {
        Preprocess: () => {
          throw awsError('SageMaker.ThrottlingException');
        },
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'SageMaker.ThrottlingException' });
    expect(run.calls.Preprocess).toHaveLength(5); // the call and 4 retries
    expect(run.calls.NotifyFailure).toHaveLength(1);
  });

  test('a missing evaluation.json fails cleanly without registering', async () => {
    const run = await runPipeline(dev, INPUT, { evaluation: null });
    expect(run).toMatchObject({ status: 'FAILED', error: 'S3.NoSuchKeyException' });
    expect(run.calls.RegisterModel).toBeUndefined();
    expect(run.calls.NotifyFailure).toHaveLength(1);
  });

  test('an evaluation that does not record the archive it evaluated registers nothing', async () => {
    const { mlenv_artifact: _recorded, ...metricsOnly } = GOOD_EVALUATION;
    const run = await runPipeline(dev, INPUT, { evaluation: metricsOnly });
    expect(run).toMatchObject({ status: 'FAILED', error: 'ArtifactNotRecorded' });
    expect(run.calls.RegisterModel).toBeUndefined();
    expect(run.calls.NotifyFailure).toHaveLength(1);
  });

  test('an evaluation without the gate metric fails as MetricMissing', async () => {
    const run = await runPipeline(dev, INPUT, { evaluation: { regression_metrics: { mse: { value: 1 } } } });
    expect(run).toMatchObject({ status: 'FAILED', error: 'MetricMissing' });
    expect(run.calls.RegisterModel).toBeUndefined();
  });

  test.each([
    ['no dataset', { datasetVersion: 'v1', reason: 'manual' }],
    ['a dataset outside the raw bucket', { ...INPUT, datasetS3Uri: 's3://someone-elses-bucket/churn/x.csv' }],
    ["another model's dataset", { ...INPUT, datasetS3Uri: `${RAW}/fraud/x.csv` }],
    ['a number for a version', { ...INPUT, datasetVersion: 3 }],
  ])('refuses %s before starting any job', async (_case, input) => {
    const run = await runPipeline(dev, input);
    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(Object.keys(run.calls)).toEqual(['NotifyFailure']);
  });

  test('a failure to notify still fails the execution with the original error', async () => {
    const run = await runPipeline(dev, INPUT, {
      overrides: {
        Evaluate: () => {
          throw awsError('States.TaskFailed', 'evaluation crashed');
        },
        NotifyFailure: () => {
          throw awsError('SNS.AuthorizationErrorException');
        },
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed', cause: 'evaluation crashed' });
  });
});

describe("training pipeline on 'latest', executed locally", () => {
  const VERSION = '4f0c2d8e1b7a9c35';
  const pointer = DatasetLayout.latest(RAW_BUCKET, 'churn', VERSION);
  const pushed = { [`${RAW}/churn/latest.json`]: JSON.stringify(pointer) };
  const LATEST = { datasetS3Uri: `${RAW}/churn/`, datasetVersion: 'latest', reason: 'schedule' };

  /** The input a rule of Dev/ChurnModel renders for the pipeline (a fixed `Input`), by the rule's description. */
  function ruleInput(description: RegExp): Record<string, unknown> {
    const stack = assembly.stacksRecursively.find((s) => s.hierarchicalId === 'Dev/ChurnModel')!;
    const rules = Object.values(stack.template.Resources as Record<string, any>).filter(
      (r) => r.Type === 'AWS::Events::Rule' && description.test(String(r.Properties.Description)),
    );
    expect(rules).toHaveLength(1);
    const input = resolveIntrinsics(rules[0].Properties.Targets[0].Input, stack, assembly);
    return JSON.parse(String(input));
  }

  test("reads the model's latest.json and trains on the version it names, recorded in the lineage", async () => {
    const run = await runPipeline(
      dev,
      { ...LATEST, monitoringCheck: 'model-monitoring-1' },
      { objects: pushed },
    );
    expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
    });
    expect(run.calls.ReadLatestDatasetVersion).toEqual([{ Bucket: RAW_BUCKET, Key: 'churn/latest.json' }]);
    const preprocess = run.calls.Preprocess[0] as any;
    expect(preprocess.ProcessingInputs.find((i: any) => i.InputName === 'raw').S3Input.S3Uri).toBe(
      `${RAW}/churn/versions/${VERSION}/`,
    );
    expect((run.calls.RegisterModel[0] as any).CustomerMetadataProperties).toMatchObject({
      datasetS3Uri: `${RAW}/churn/versions/${VERSION}/`,
      datasetVersion: VERSION,
      trigger: 'schedule',
    });
  });

  test('an explicit version is trained on as given, without reading latest.json', async () => {
    const run = await runPipeline(
      dev,
      {
        datasetS3Uri: `${RAW}/churn/versions/0123456789abcdef/`,
        datasetVersion: '0123456789abcdef',
        reason: 'manual',
      },
      { objects: pushed },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.ReadLatestDatasetVersion).toBeUndefined();
    expect((run.calls.RegisterModel[0] as any).CustomerMetadataProperties.datasetVersion).toBe(
      '0123456789abcdef',
    );
  });

  test('with no version pushed yet, fails as NoDatasetVersion, says how to push one, and starts no job', async () => {
    const run = await runPipeline(dev, LATEST);
    expect(run).toMatchObject({ status: 'FAILED', error: 'NoDatasetVersion' });
    expect(run.cause).toBe(
      `no dataset version pushed yet: mlenv data push <env> <dir> --dataset churn (${RAW}/churn/latest.json does not exist)`,
    );
    expect(Object.keys(run.calls)).toEqual(['ReadLatestDatasetVersion', 'NotifyFailure']);
    expect((run.calls.NotifyFailure[0] as any).Message).toMatchObject({
      result: 'failed',
      error: 'NoDatasetVersion',
    });
  });

  test('another failure to read latest.json is retried when transient, else notified as it is', async () => {
    let attempts = 0;
    const flaky = await runPipeline(dev, LATEST, {
      objects: pushed,
      overrides: {
        ReadLatestDatasetVersion: () => {
          if (++attempts < 3) throw awsError('S3.InternalErrorException');
          return { Body: JSON.stringify(pointer) };
        },
      },
    });
    expect(flaky.status).toBe('SUCCEEDED');
    expect(flaky.calls.ReadLatestDatasetVersion).toHaveLength(3);
    const denied = await runPipeline(dev, LATEST, {
      overrides: {
        ReadLatestDatasetVersion: () => {
          throw awsError('S3.S3Exception', 'Access Denied');
        },
      },
    });
    expect(denied).toMatchObject({ status: 'FAILED', error: 'S3.S3Exception', cause: 'Access Denied' });
    expect(denied.calls.Preprocess).toBeUndefined();
  });

  test.each([
    ['another model', `${RAW}/fraud/versions/${VERSION}/`],
    ['another bucket', `s3://someone-elses-bucket/churn/versions/${VERSION}/`],
  ])('refuses a latest.json that names a dataset of %s, before starting any job', async (_case, uri) => {
    const run = await runPipeline(dev, LATEST, {
      objects: { [`${RAW}/churn/latest.json`]: JSON.stringify({ ...pointer, datasetS3Uri: uri }) },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(Object.keys(run.calls)).toEqual(['ReadLatestDatasetVersion', 'NotifyFailure']);
  });

  test.each([
    ['new data', /when a new dataset version/, 'new-data'],
    ['the schedule', /on a schedule/, 'schedule'],
  ])(
    'the input %s sends (as rendered) trains on the newest version',
    async (_trigger, description, reason) => {
      const input = ruleInput(description);
      expect(input).toEqual({ datasetS3Uri: `${RAW}/churn/`, datasetVersion: 'latest', reason });
      const run = await runPipeline(dev, input, { objects: pushed });
      expect(run.status).toBe('SUCCEEDED');
      expect((run.calls.RegisterModel[0] as any).CustomerMetadataProperties).toMatchObject({
        datasetVersion: VERSION,
        trigger: reason,
      });
    },
  );
});
