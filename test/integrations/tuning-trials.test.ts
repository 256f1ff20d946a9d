import '../../lib/tools/authorization/promise-with-resolvers';
import { CreateHyperParameterTuningJobCommand, CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JsonObject } from '../../cfn/json-values';
import { environments } from '../../config/environments';
import type { CreateTrainingJobRequest, TrainingJobDescription } from '../../lib/jobs/job-requests';
import type { LocalJobOptions } from '../../lib/jobs/job-options';
import { MemoryObjectStore } from '../../lib/ops/memory-object-store';
import type {
  IntegrationClients,
  IntegrationRecord,
  LocalTask,
} from '../../lib/tools/integrations/task-integration';
import { type TrialRunner, runTuningTrials } from '../../lib/tools/integrations/tuning-job/tuning-trials';
import type { TuningJobDescription } from '../../lib/tools/integrations/tuning-job/tuning-description';

/**
 * A `createHyperParameterTuningJob.sync` task in the local environment (issue 30's contract): its
 * MaxNumberOfTrainingJobs trials run one after another, named `<tuning job name>-NNN-<8 hex>`
 * (the form SageMaker's trials have, `xgboost-190407-1532-005-0e830ada`, within a training job
 * name's 63 characters), each with the hyperparameter SageMaker adds, `_tuning_objective_metric`;
 * the best is the completed trial with the best objective in the objective's direction; with none,
 * the task fails with States.TaskFailed; the answer is DescribeHyperParameterTuningJob's, which the
 * Tune state's ResultSelector reads. The trials' training is a stand-in here (its objective a
 * function of the sampled hyperparameters); test/local/jobs/tuning-job.test.ts runs real ones.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const OBJECTIVE = 'validation:auc';

/** A tuning job name as the Tune state makes it: `<model>-tune-<hex>`, at most 32 characters. */
const tuningName = (model: string) =>
  `${model}-tune-${'0123456789abcdef'.repeat(2).slice(0, 32 - model.length - 6)}`;
/** Every configured model, and the longest name a model may have (18 characters). */
const MODELS = [...environments.models.map((m) => m.name), 'm'.repeat(18)];

/** The Tune state's parameters, resolved, as the contract renders them. */
function tuneParameters(
  model: string,
  options: { type?: 'Maximize' | 'Minimize'; maxJobs?: number } = {},
): JsonObject {
  return {
    HyperParameterTuningJobName: tuningName(model),
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: options.type ?? 'Maximize', MetricName: OBJECTIVE },
      ResourceLimits: { MaxNumberOfTrainingJobs: options.maxJobs ?? 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'max-depth', MinValue: '2', MaxValue: '5', ScalingType: 'Auto' }],
        ContinuousParameterRanges: [
          { Name: 'learning-rate', MinValue: '0.02', MaxValue: '0.3', ScalingType: 'Logarithmic' },
        ],
        CategoricalParameterRanges: [{ Name: 'loss', Values: ['log_loss', 'exponential'] }],
      },
      TrainingJobEarlyStoppingType: 'Auto',
    },
    TrainingJobDefinition: {
      StaticHyperParameters: {
        'n-estimators': '100',
        'target-column': 'target',
        sagemaker_program: 'train.py',
      },
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${model}-training`,
      AlgorithmSpecification: {
        TrainingImage: 'image',
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: OBJECTIVE, Regex: 'validation:auc=([0-9.]+)' }],
      },
      InputDataConfig: [
        {
          ChannelName: 'train',
          DataSource: { S3DataSource: { S3Uri: 's3://data/train/', S3DataType: 'S3Prefix' } },
        },
      ],
      OutputDataConfig: { S3OutputPath: `s3://artifacts/${model}/training/run-1/`, KmsKeyId: 'key' },
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      EnableManagedSpotTraining: false,
    },
    Tags: [{ Key: 'model', Value: model }],
  };
}

/** The Tune state's ResultSelector, as the contract writes it. */
const RESULT_SELECTOR = {
  'jobName.$': '$.BestTrainingJob.TrainingJobName',
  'jobArn.$': '$.BestTrainingJob.TrainingJobArn',
  'modelArtifacts.$':
    "States.Format('{}{}/output/model.tar.gz', $.TrainingJobDefinition.OutputDataConfig.S3OutputPath, $.BestTrainingJob.TrainingJobName)",
  'tuningJobName.$': '$.HyperParameterTuningJobName',
  'tuningJobArn.$': '$.HyperParameterTuningJobArn',
  'tunedHyperParameters.$': '$.BestTrainingJob.TunedHyperParameters',
  'objective.$': '$.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric',
};

/** What a fake local environment saw of the task. */
interface Seen {
  readonly sent: Array<{ command: string; input: Record<string, unknown> }>;
  readonly submitted: JsonObject[];
  readonly recordedJobs: TrainingJobDescription[];
  readonly recordedTuningJobs: TuningJobDescription[];
  readonly logs: Array<{ stream: string; lines: string[] }>;
  readonly ran: CreateTrainingJobRequest[];
  readonly record: IntegrationRecord;
  readonly store: MemoryObjectStore;
}

function fakeTask(): { task: LocalTask; seen: Seen } {
  const store = new MemoryObjectStore();
  const seen: Seen = {
    sent: [],
    submitted: [],
    recordedJobs: [],
    recordedTuningJobs: [],
    logs: [],
    ran: [],
    record: { jobs: {}, tuningJobs: {}, published: [], registered: [] },
    store,
  };
  const sagemaker = {
    send: async (command: CreateHyperParameterTuningJobCommand | CreateTrainingJobCommand) => {
      const input = command.input as unknown as Record<string, unknown>;
      seen.sent.push({ command: command.constructor.name, input });
      return command instanceof CreateHyperParameterTuningJobCommand
        ? {
            HyperParameterTuningJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:hyper-parameter-tuning-job/${String(input.HyperParameterTuningJobName)}`,
          }
        : {
            TrainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${String(input.TrainingJobName)}`,
          };
    },
  };
  const log = async (
    destinations: readonly { logStreamName: string }[],
    lines: { lines: { message: string }[] },
  ) => {
    for (const d of destinations)
      seen.logs.push({ stream: d.logStreamName, lines: lines.lines.map((l) => l.message) });
  };
  const task: LocalTask = {
    state: 'Tune',
    api: 'sagemaker:createHyperParameterTuningJob',
    clients: { sagemaker } as unknown as IntegrationClients,
    record: seen.record,
    awsEnvironment: {},
    submitted: (output) => seen.submitted.push(output),
    localResource: () => {
      throw new Error('no resources here');
    },
    jobOptions: (lines): LocalJobOptions => ({ store, region: REGION, onLog: lines.onLog }),
    keepLog: log,
    writeLog: log,
    keep: async (_what, recording) => {
      await recording();
    },
    recordJob: async (_kind, description) => {
      seen.recordedJobs.push(description as TrainingJobDescription);
    },
    recordTuningJob: async (description) => {
      seen.recordedTuningJobs.push(description as TuningJobDescription);
    },
    localBuildInputs: async () => ({}),
    startExecution: () => Promise.reject(new Error('no child executions here')),
  };
  return { task, seen };
}

/**
 * A stand-in for the training runner: prints the objective as the job's metric definition reads it
 * (the learning rate, so the best trial is the one with the highest or lowest), writes its model
 * where SageMaker puts it, and fails the trials `fails` says.
 */
function standIn(
  seen: Seen,
  fails: (request: CreateTrainingJobRequest) => boolean = () => false,
): TrialRunner {
  return async (request, options) => {
    seen.ran.push(request);
    const failed = fails(request);
    const value = Number(request.HyperParameters!['learning-rate']);
    options.onLog?.(failed ? 'Traceback: it broke' : `validation:auc=${value}`);
    const at = new Date();
    const modelUri = `${request.OutputDataConfig.S3OutputPath}${request.TrainingJobName}/output/model.tar.gz`;
    if (!failed) await options.store.put(modelUri, 'model');
    const description: TrainingJobDescription = {
      ...request,
      TrainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${request.TrainingJobName}`,
      TrainingJobStatus: failed ? 'Failed' : 'Completed',
      SecondaryStatus: failed ? 'Failed' : 'Completed',
      ...(failed
        ? { FailureReason: 'AlgorithmError: it broke' }
        : { ModelArtifacts: { S3ModelArtifacts: modelUri } }),
      FinalMetricDataList: failed ? [] : [{ MetricName: OBJECTIVE, Value: value, Timestamp: at }],
      CreationTime: at,
      TrainingStartTime: at,
      TrainingEndTime: at,
      LastModifiedTime: at,
      TrainingTimeInSeconds: 0,
      BillableTimeInSeconds: 0,
    };
    return { description, log: '' };
  };
}

/** The state's result as Step Functions selects it: the output through the contract's ResultSelector. */
async function selected(output: JsonObject): Promise<JsonObject> {
  const machine = new StateMachine(
    {
      StartAt: 'Tune',
      States: {
        Tune: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
          ResultSelector: RESULT_SELECTOR,
          ResultPath: '$.train',
          End: true,
        },
      },
    } as never,
    { validationOptions: { checkArn: false } },
  );
  const run = machine.run({} as never, {
    overrides: { taskResourceLocalHandlers: { Tune: async () => output } } as never,
  });
  return ((await run.result) as { train: JsonObject }).train;
}

describe.each(MODELS)('a tuning job of %s', (model) => {
  const name = tuningName(model);

  test('runs MaxNumberOfTrainingJobs trials one after another, named <tuning job>-NNN-<8 hex> within 63 characters', async () => {
    const { task, seen } = fakeTask();
    await runTuningTrials(task, tuneParameters(model, { maxJobs: 4 }), standIn(seen));
    const names = seen.ran.map((r) => r.TrainingJobName);
    expect(names).toHaveLength(4);
    names.forEach((trial, i) => {
      expect(trial).toMatch(new RegExp(`^${name}-${String(i + 1).padStart(3, '0')}-[0-9a-f]{8}$`));
      expect(trial.length).toBeLessThanOrEqual(63);
      // botocore's TrainingJobName pattern.
      expect(trial).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    });
    expect(new Set(names).size).toBe(4);
    // Created in the emulator's SageMaker: the tuning job first, then each trial before it runs.
    expect(seen.sent.map((s) => s.command)).toEqual([
      'CreateHyperParameterTuningJobCommand',
      ...names.map(() => 'CreateTrainingJobCommand'),
    ]);
    expect(seen.sent.slice(1).map((s) => s.input.TrainingJobName)).toEqual(names);
    expect(seen.submitted).toEqual([
      {
        HyperParameterTuningJobArn: expect.stringMatching(new RegExp(`hyper-parameter-tuning-job/${name}$`)),
      },
    ]);
  });

  test('a trial is the TrainingJobDefinition with the static, sampled and _tuning_objective_metric hyperparameters', async () => {
    const { task, seen } = fakeTask();
    const parameters = tuneParameters(model);
    await runTuningTrials(task, parameters, standIn(seen));
    const definition = parameters.TrainingJobDefinition as JsonObject;
    const { StaticHyperParameters: fixed, ...rest } = definition;
    for (const trial of seen.ran) {
      expect(trial).toMatchObject(rest);
      expect(trial.HyperParameters).toMatchObject({
        ...(fixed as object),
        _tuning_objective_metric: OBJECTIVE,
      });
      expect(Number(trial.HyperParameters!['max-depth'])).toBeGreaterThanOrEqual(2);
      expect(['log_loss', 'exponential']).toContain(trial.HyperParameters!.loss);
    }
    // Tags of a tuning job are added to its training jobs.
    for (const created of seen.sent.slice(1)) expect(created.input.Tags).toEqual(parameters.Tags);
    // Recorded as DescribeTrainingJob answers a trial: with its tuning job's ARN.
    expect(seen.recordedJobs.map((j) => j.TuningJobArn)).toEqual(
      seen.ran.map(() => (seen.submitted[0] as JsonObject).HyperParameterTuningJobArn),
    );
  });

  test.each(['Maximize', 'Minimize'] as const)(
    '%s: the best trial is the one with the best objective',
    async (type) => {
      const { task, seen } = fakeTask();
      const output = await runTuningTrials(task, tuneParameters(model, { type, maxJobs: 5 }), standIn(seen));
      const rates = seen.ran.map((r) => Number(r.HyperParameters!['learning-rate']));
      const bestRate = type === 'Maximize' ? Math.max(...rates) : Math.min(...rates);
      const best = seen.ran[rates.indexOf(bestRate)];
      expect(output.HyperParameterTuningJobStatus).toBe('Completed');
      expect(output.BestTrainingJob).toMatchObject({
        TrainingJobName: best.TrainingJobName,
        TrainingJobStatus: 'Completed',
        ObjectiveStatus: 'Succeeded',
        FinalHyperParameterTuningJobObjectiveMetric: { Type: type, MetricName: OBJECTIVE, Value: bestRate },
        // Only the ranged hyperparameters (HyperParameterTrainingJobSummary.TunedHyperParameters).
        TunedHyperParameters: {
          'max-depth': best.HyperParameters!['max-depth'],
          'learning-rate': best.HyperParameters!['learning-rate'],
          loss: best.HyperParameters!.loss,
        },
      });
      expect(
        Object.keys((output.BestTrainingJob as JsonObject).TunedHyperParameters as object).sort(),
      ).toEqual(['learning-rate', 'loss', 'max-depth']);
    },
  );

  test("the answer resolves the Tune state's ResultSelector, the model at <S3OutputPath><best trial>/output/model.tar.gz", async () => {
    const { task, seen } = fakeTask();
    const parameters = tuneParameters(model);
    const output = await runTuningTrials(task, parameters, standIn(seen));
    const train = await selected(output);
    const best = output.BestTrainingJob as JsonObject;
    const outputPath = ((parameters.TrainingJobDefinition as JsonObject).OutputDataConfig as JsonObject)
      .S3OutputPath;
    expect(train).toEqual({
      jobName: best.TrainingJobName,
      jobArn: best.TrainingJobArn,
      modelArtifacts: `${String(outputPath)}${String(best.TrainingJobName)}/output/model.tar.gz`,
      tuningJobName: name,
      tuningJobArn: (seen.submitted[0] as JsonObject).HyperParameterTuningJobArn,
      tunedHyperParameters: best.TunedHyperParameters,
      objective: best.FinalHyperParameterTuningJobObjectiveMetric,
    });
    expect((await seen.store.get(String(train.modelArtifacts))).toString()).toBe('model');
    // The echo of the request the selector reads, and the description recorded over the emulator's.
    expect(output.TrainingJobDefinition).toEqual(parameters.TrainingJobDefinition);
    expect(output.HyperParameterTuningJobConfig).toEqual(parameters.HyperParameterTuningJobConfig);
    expect(JSON.parse(JSON.stringify(seen.recordedTuningJobs.at(-1)))).toEqual(output);
  });
});

describe('trials that fail', () => {
  const [model] = MODELS;

  test('a failed trial is recorded and tuning goes on; it is counted, and never the best', async () => {
    const { task, seen } = fakeTask();
    const output = await runTuningTrials(
      task,
      tuneParameters(model, { maxJobs: 3 }),
      standIn(seen, (r) => r.TrainingJobName.includes('-001-')),
    );
    expect(seen.ran).toHaveLength(3);
    expect(seen.recordedJobs.map((j) => j.TrainingJobStatus)).toEqual(['Failed', 'Completed', 'Completed']);
    expect(output.TrainingJobStatusCounters).toEqual({
      Completed: 2,
      InProgress: 0,
      RetryableError: 0,
      NonRetryableError: 1,
      Stopped: 0,
    });
    expect(output.ObjectiveStatusCounters).toEqual({ Succeeded: 2, Pending: 0, Failed: 1 });
    expect((output.BestTrainingJob as JsonObject).TrainingJobName).not.toBe(seen.ran[0].TrainingJobName);
  });

  test('with no trial that succeeded, the task fails with States.TaskFailed and the description as its cause', async () => {
    const { task, seen } = fakeTask();
    const failure = (await runTuningTrials(
      task,
      tuneParameters(model, { maxJobs: 2 }),
      standIn(seen, () => true),
    ).then(
      () => undefined,
      (error: Error) => error,
    )) as Error;
    expect(failure.name).toBe('States.TaskFailed');
    const cause = JSON.parse(failure.message);
    expect(cause).toMatchObject({
      HyperParameterTuningJobName: tuningName(model),
      HyperParameterTuningJobStatus: 'Failed',
      FailureReason: expect.stringContaining('No training job succeeded'),
      TrainingJobStatusCounters: { Completed: 0, NonRetryableError: 2 },
    });
    expect(cause.BestTrainingJob).toBeUndefined();
    expect(seen.recordedJobs).toHaveLength(2);
    expect(seen.recordedTuningJobs.at(-1)?.HyperParameterTuningJobStatus).toBe('Failed');
    expect(seen.record.tuningJobs.Tune?.trials).toHaveLength(2);
  });

  test('an interrupt during a trial records that trial and the tuning job Stopped', async () => {
    const { task, seen } = fakeTask();
    // The runner of the second trial is interrupted: it hands its Stopped description over and never returns.
    const completed = standIn(seen);
    let stoppedHandedOver: Promise<unknown> | undefined;
    const interrupted: TrialRunner = async (request, options, onStopped) => {
      if (!request.TrainingJobName.includes('-002-')) return completed(request, options, onStopped);
      seen.ran.push(request);
      const at = new Date();
      stoppedHandedOver = onStopped({
        ...request,
        TrainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${request.TrainingJobName}`,
        TrainingJobStatus: 'Stopped',
        SecondaryStatus: 'Stopped',
        FailureReason: 'interrupted (SIGINT)',
        FinalMetricDataList: [],
        CreationTime: at,
        TrainingStartTime: at,
        TrainingEndTime: at,
        LastModifiedTime: at,
        TrainingTimeInSeconds: 0,
        BillableTimeInSeconds: 0,
      });
      return new Promise(() => undefined);
    };
    void runTuningTrials(task, tuneParameters(model, { maxJobs: 3 }), interrupted);
    await new Promise((resolve) => setImmediate(resolve));
    while (!stoppedHandedOver) await new Promise((resolve) => setImmediate(resolve));
    await stoppedHandedOver;
    expect(seen.ran).toHaveLength(2);
    expect(seen.recordedJobs.map((j) => [j.TrainingJobStatus, Boolean(j.TuningJobArn)])).toEqual([
      ['Completed', true],
      ['Stopped', true],
    ]);
    const tuning = seen.recordedTuningJobs.at(-1)!;
    expect(tuning.HyperParameterTuningJobStatus).toBe('Stopped');
    expect(tuning.TrainingJobStatusCounters).toMatchObject({ Completed: 1, Stopped: 1 });
    // The partial log of the stopped trial is written where SageMaker keeps it.
    expect(seen.logs.at(-1)?.stream).toMatch(new RegExp(`^${seen.ran[1].TrainingJobName}/algo-1-\\d+$`));
  });
});

test("each trial's log goes to SageMaker's stream of it; what is not modelled locally is said once, in the first", async () => {
  const { task, seen } = fakeTask();
  await runTuningTrials(task, tuneParameters(MODELS[0], { maxJobs: 3 }), standIn(seen));
  expect(seen.logs.map((l) => l.stream)).toEqual(
    seen.ran.map((r) => expect.stringMatching(new RegExp(`^${r.TrainingJobName}/algo-1-\\d+$`))),
  );
  const notes = seen.logs.map((l) => l.lines.filter((line) => line.startsWith('mlenv local tuning: ')));
  expect(notes[0].join('\n')).toMatch(/Bayesian strategy/);
  expect(notes[0].join('\n')).toMatch(/early stopping .* is not modelled locally/);
  expect(notes[0].join('\n')).toMatch(
    /MaxParallelTrainingJobs is 2: locally the trials run one after another/,
  );
  expect(notes.slice(1).flat()).toEqual([]);
  expect(seen.record.tuningJobs.Tune?.trials.map((t) => t.TrainingJobName)).toEqual(
    seen.ran.map((r) => r.TrainingJobName),
  );
  expect(seen.record.jobs.Tune?.description).toMatchObject({
    TrainingJobName: seen.record.tuningJobs.Tune?.description.BestTrainingJob?.TrainingJobName,
  });
});

test('the same tuning job samples the same trials, run after run', async () => {
  const runs = await Promise.all(
    [0, 1].map(async () => {
      const { task, seen } = fakeTask();
      await runTuningTrials(task, tuneParameters(MODELS[0]), standIn(seen));
      return seen.ran.map((r) => [r.TrainingJobName, r.HyperParameters]);
    }),
  );
  expect(runs[0]).toEqual(runs[1]);
});

describe('a request the local run cannot run is one line naming what is missing', () => {
  const base = tuneParameters(MODELS[0]);
  const config = base.HyperParameterTuningJobConfig as JsonObject;
  test.each<[string, JsonObject, string]>([
    [
      'no objective',
      {
        ...base,
        HyperParameterTuningJobConfig: { ...config, HyperParameterTuningJobObjective: undefined } as never,
      },
      'has no HyperParameterTuningJobConfig.HyperParameterTuningJobObjective',
    ],
    [
      'no MaxNumberOfTrainingJobs',
      {
        ...base,
        HyperParameterTuningJobConfig: { ...config, ResourceLimits: { MaxParallelTrainingJobs: 1 } },
      },
      'has no HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs',
    ],
    [
      'several definitions',
      { ...base, TrainingJobDefinition: undefined as never, TrainingJobDefinitions: [] },
      'several TrainingJobDefinitions are not run locally',
    ],
  ])('%s', async (_case, parameters, message) => {
    const { task, seen } = fakeTask();
    await expect(runTuningTrials(task, parameters, standIn(seen))).rejects.toThrow(message);
    expect(seen.sent).toEqual([]);
  });
});
