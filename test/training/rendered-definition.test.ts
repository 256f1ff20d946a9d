import aslValidator from 'asl-validator';
import { METRIC_GROUPS } from '../../config/evaluation-metrics';
import { pascalCase } from '../../cfn/pascal-case';
import { stateMachineDefinition } from '../../cfn/template-intrinsics';
import { platformAssembly } from '../support/platform';
import { modelStep, pipelineSteps } from '../../constructs';

const { assembly, config } = platformAssembly();
const definitions = config.environments.flatMap((env) =>
  config.models.map((model) => {
    const id = pascalCase(model.name);
    return [
      `${env.stageId}/${model.name}`,
      env,
      stateMachineDefinition(assembly, `${env.stageId}/${id}Model`, `${id}Pipeline/StateMachine`),
      model,
    ] as const;
  }),
);

type Json = Record<string, any>;
/** Every value in `value`, with the path of keys that leads to it. */
function* leaves(value: unknown, path: string[] = []): Generator<[string[], unknown]> {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* leaves(v, [...path, k]);
  } else {
    yield [path, value];
  }
}

/** SageMaker's job name rule: at most 63 characters, alphanumerics and single-dash separators. */
const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

describe.each(definitions)('the rendered %s pipeline', (_id, env, definition, model) => {
  const states = definition.States as Record<string, Json>;
  const tuned = model.tuning !== undefined;
  /** The state that trains (Train, or Tune) and the training job request it sends (a tuning job's trials'). */
  const trains = modelStep(tuned).state;
  const trainingRequest: Json = tuned
    ? (({ StaticHyperParameters, ...rest }) => ({ ...rest, HyperParameters: StaticHyperParameters }))(
        states.Tune.Parameters.TrainingJobDefinition,
      )
    : states.Train.Parameters;
  /** A rendered URI of the run's `path` in the environment's `bucket`, ending its Format template. */
  const runObject = (bucket: string, path: string) =>
    new RegExp(`-${bucket}/${model.name}/runs/\\{\\}/${path.replace(/\./g, '\\.')}'`);

  test('is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(isValid ? '' : errorsText('\n')).toBe('');
  });

  test('has the pipeline states, each SageMaker job with a timeout, retries and a catch', () => {
    for (const name of [
      'Preprocess',
      trains,
      'Evaluate',
      'ReadMetrics',
      'QualityGate',
      'RegisterModel',
      'NotifySuccess',
      'NotifyFailure',
      'Failed',
    ]) {
      expect(states[name]).toBeDefined();
    }
    for (const name of pipelineSteps(tuned).map((step) => step.state)) {
      expect(states[name].Resource).toMatch(
        /^arn:aws:states:::sagemaker:create(Processing|Training|HyperParameterTuning)Job\.sync$/,
      );
      expect(states[name].TimeoutSeconds).toBeGreaterThan(0);
      expect(states[name].Retry[0].ErrorEquals).toEqual(
        expect.arrayContaining(['SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceeded']),
      );
      expect(states[name].Retry[0].BackoffRate).toBeGreaterThan(1);
    }
    // Every failure is notified; only a missing latest.json is told apart first. Recording the
    // run in MLflow is the exception: it never fails a run (its failures go on without a run).
    const specific: Record<string, unknown[]> = {
      ReadLatestDatasetVersion: [
        expect.objectContaining({ ErrorEquals: ['S3.NoSuchKeyException'], Next: 'NoDatasetVersion' }),
      ],
    };
    const neverFailing: Record<string, string> = { RecordRun: 'RunNotRecorded', LinkRun: 'NotifySuccess' };
    for (const [name, next] of Object.entries(neverFailing)) {
      expect(states[name].Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: next }),
      ]);
    }
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && name !== 'NotifyFailure' && !(name in neverFailing)) {
        expect({ name, catch: state.Catch }).toEqual({
          name,
          catch: [
            ...(specific[name] ?? []),
            expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'NotifyFailure' }),
          ],
        });
      }
    }
    expect(states.NoDatasetVersion.Next).toBe('NotifyFailure');
  });

  test("checks the input's run-time strings, resolves 'latest' from the model's latest.json in the environment's raw bucket, then checks what it names as any input", () => {
    const model = _id.split('/')[1];
    expect(states.CheckInputTypes.Choices[0].Next).toBe('CheckRunStrings');
    for (const check of ['CheckRunStrings', 'CheckLatestDatasetVersion']) {
      // JSONata (JSONPath has no regular expressions), each rule to a refusal that fails as InvalidInput.
      expect(states[check]).toMatchObject({ Type: 'Choice', QueryLanguage: 'JSONata' });
      for (const rule of states[check].Choices) {
        expect(rule.Condition).toMatch(/^\{% \$not\(.*\) %\}$/);
        expect(states[rule.Next]).toMatchObject({
          Type: 'Pass',
          Parameters: { Error: 'InvalidInput' },
          Next: 'NotifyFailure',
        });
      }
    }
    expect(states.CheckRunStrings.Default).toBe('WhichDatasetVersion');
    expect(states.CheckLatestDatasetVersion.Default).toBe('CheckDatasetLocation');
    expect(states.WhichDatasetVersion.Choices).toEqual([
      { Variable: '$.datasetVersion', StringEquals: 'latest', Next: 'ReadLatestDatasetVersion' },
    ]);
    expect(states.WhichDatasetVersion.Default).toBe('CheckDatasetLocation');
    expect(states.ReadLatestDatasetVersion).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
      Parameters: {
        Bucket: `${config.project}-${env.name}-${env.account}-${env.region}-raw`,
        Key: `${model}/latest.json`,
      },
      ResultSelector: { 'pointer.$': 'States.StringToJson($.Body)' },
      Next: 'UseLatestDatasetVersion',
    });
    expect(states.UseLatestDatasetVersion.Next).toBe('CheckLatestDatasetVersion');
  });

  test('renders S3 locations as s3:// URIs, never https://', () => {
    const uris = [...leaves(definition)].filter(([path]) =>
      /S3Uri|S3OutputPath|ModelDataUrl|datasetS3Uri/.test(path.at(-1)!),
    );
    expect(uris.length).toBeGreaterThan(10);
    for (const [path, value] of uris) {
      const rendered = String(value).replace(/^States\.Format\('/, '');
      expect({ path: path.join('.'), rendered }).toEqual({
        path: path.join('.'),
        rendered: expect.stringMatching(/^(s3:\/\/|\$\.)/),
      });
    }
  });

  test('renders instance types exactly as configured (no doubled ml. prefix)', () => {
    const types = [...leaves(definition)]
      .filter(([path]) => /InstanceType/.test(path.join('.')))
      .map(([, v]) => v);
    expect(types).toEqual(
      expect.arrayContaining([env.training.instanceType, env.training.processingInstanceType]),
    );
    for (const type of types) expect(type).toMatch(/^ml\.[a-z0-9]+\.[a-z0-9]+$/);
    expect(trainingRequest.ResourceConfig).toMatchObject({
      InstanceType: env.training.instanceType,
      InstanceCount: env.training.instanceCount,
      VolumeSizeInGB: env.training.volumeSizeGb,
    });
  });

  test('gives every job a name SageMaker accepts, derived from the execution', () => {
    const runId = 'f'.repeat(32); // PrepareRun: the MD5 of the execution name, 32 hex digits
    expect(states.PrepareRun.Parameters['id.$']).toBe("States.Hash($$.Execution.Name, 'MD5')");
    const named = [
      ['Preprocess', 'ProcessingJobName.$'],
      ...(tuned ? [] : [['Train', 'TrainingJobName.$']]),
      ['Evaluate', 'ProcessingJobName.$'],
    ];
    // A tuning job's name (at most 32 characters) keeps the run id's start: test/training/tuning-state.test.ts.
    if (tuned) {
      expect(states.Tune.Parameters['HyperParameterTuningJobName.$']).toBe(
        `States.Format('${model.name}-tune-{}', $.run.tuneId)`,
      );
    }
    for (const [state, key] of named) {
      const template = states[state].Parameters[key] as string;
      const match = /^States\.Format\('([^']+)', \$\.run\.id\)$/.exec(template);
      expect(match).not.toBeNull();
      const name = match![1].replace('{}', runId);
      expect(name).toMatch(SAGEMAKER_NAME);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });

  test('encrypts volumes and outputs, isolates the network, and bounds every job', () => {
    const train = trainingRequest;
    expect(train.EnableNetworkIsolation).toBe(true);
    expect(train.ResourceConfig.VolumeKmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(train.OutputDataConfig.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(train.StoppingCondition.MaxRuntimeInSeconds).toBe(env.training.maxRuntimeMinutes * 60);
    expect(train.EnableManagedSpotTraining).toBe(env.training.spot.enabled);
    if (env.training.spot.enabled) {
      expect(train.StoppingCondition.MaxWaitTimeInSeconds).toBe(env.training.spot.maxWaitMinutes * 60);
    }
    // Only a model whose train.py resumes from checkpoints gets a location; parallel trials would
    // share one, so tuned runs keep none.
    if (env.training.spot.enabled && !tuned && model.checkpoints) {
      expect(train.CheckpointConfig['S3Uri.$']).toMatch(
        new RegExp(`^States\\.Format\\('s3://.+-models/${model.name}/checkpoints/\\{\\}/'`),
      );
    } else {
      expect(train.CheckpointConfig).toBeUndefined();
    }
    for (const name of ['Preprocess', 'Evaluate']) {
      const job = states[name].Parameters;
      expect(job.NetworkConfig.EnableNetworkIsolation).toBe(true);
      expect(job.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toMatch(/^arn:aws:kms:/);
      expect(job.ProcessingOutputConfig.KmsKeyId).toMatch(/^arn:aws:kms:/);
      expect(job.StoppingCondition.MaxRuntimeInSeconds).toBe(env.training.maxRuntimeMinutes * 60);
    }
  });

  test('ships the code as a tar.gz: a code channel for training, unpacked by processing jobs', () => {
    const train = trainingRequest;
    const code = train.InputDataConfig.find((c: Json) => c.ChannelName === 'code').DataSource.S3DataSource
      .S3Uri as string;
    expect(code).toMatch(/^s3:\/\/cdk-[a-z0-9]+-assets-\d{12}-[a-z0-9-]+\/[0-9a-f]{64}\.gz$/);
    expect(train.HyperParameters).toMatchObject({
      sagemaker_program: 'train.py',
      sagemaker_submit_directory: `/opt/ml/input/data/code/${code.split('/').at(-1)}`,
    });
    for (const value of Object.values(train.HyperParameters)) expect(typeof value).toBe('string');
    const preprocess = states.Preprocess.Parameters;
    expect(preprocess.ProcessingInputs[0].S3Input.S3Uri).toBe(code);
    expect(preprocess.AppSpecification.ContainerEntrypoint.slice(-1)).toEqual(['preprocess.py']);
    expect(preprocess.AppSpecification.ContainerEntrypoint[2]).toContain(
      `tar -xzf '${code.split('/').at(-1)}'`,
    );
  });

  test('computes the data-quality baseline from the training features, next to the model, encrypted and isolated', () => {
    const job = states.Baseline.Parameters;
    expect(states.Evaluate.Next).toBe('Baseline');
    expect(job.AppSpecification.ImageUri).toMatch(
      /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/sagemaker-model-monitor-analyzer:/,
    );
    expect(job.AppSpecification.ContainerEntrypoint).toBeUndefined();
    expect(job.Environment).toMatchObject({
      dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
      output_path: '/opt/ml/processing/output',
    });
    expect(job.ProcessingInputs[0].S3Input['S3Uri.$']).toMatch(runObject('curated', 'baseline/'));
    expect(job.ProcessingOutputConfig.Outputs[0].S3Output['S3Uri.$']).toMatch(
      runObject('models', 'baseline'),
    );
    expect(job.NetworkConfig.EnableNetworkIsolation).toBe(true);
    expect(job.ProcessingOutputConfig.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(job.StoppingCondition.MaxRuntimeInSeconds).toBe(env.training.maxRuntimeMinutes * 60);
    const baselines = states.RegisterModel.Parameters.DriftCheckBaselines.ModelDataQuality;
    expect(baselines.Statistics['S3Uri.$']).toMatch(runObject('models', 'baseline/statistics.json'));
    expect(baselines.Constraints['S3Uri.$']).toMatch(runObject('models', 'baseline/constraints.json'));
  });

  test("compares with the champion before registering exactly where the model's qualityGate.vsChampion says", () => {
    const rule = model.qualityGate.vsChampion;
    const passed = states.QualityGate.Choices[0].Next;
    if (!rule) {
      expect(passed).toBe('ArtifactRecorded');
      expect(Object.keys(states).filter((s) => /Champion/.test(s))).toEqual([]);
      return;
    }
    expect(passed).not.toBe('ArtifactRecorded');
    expect(states.FindChampion).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:sagemaker:listModelPackages',
      Parameters: {
        ModelPackageGroupName: `${config.project}-${env.name}-${model.name}`,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      },
    });
    // The improvement in the metric's better direction (ml/evaluation-metrics.json), at least minImprovement.
    const value = `metrics.${model.problemType}_metrics.${rule.metric}.value`;
    const challenger = `$states.input.evaluation.${value}`;
    const champion = `$states.input.champion.evaluation.${value}`;
    const [first, second] =
      METRIC_GROUPS[model.problemType][rule.metric] === 'higher'
        ? [challenger, champion]
        : [champion, challenger];
    expect(states.CompareWithChampion).toMatchObject({
      QueryLanguage: 'JSONata',
      Choices: [
        {
          Condition: `{% $round(${first} - ${second}, 9) >= ${rule.minImprovement} %}`,
          Next: 'ArtifactRecorded',
        },
      ],
    });
  });

  test('registers with the approval status the environment allows', () => {
    expect(states.RegisterModel.Parameters.ModelApprovalStatus).toBe(env.training.approvalStatus);
    expect(states.RegisterModel.Parameters.ModelPackageGroupName).toBe(
      `${config.project}-${env.name}-${model.name}`,
    );
  });
});
