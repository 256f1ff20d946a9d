import type { JsonObject } from '../../cfn/json-values';
import type { CreateTrainingJobRequest, TrainingJobDescription } from '../../lib/jobs/job-requests';
import { type TrialRunner, runTuningTrials } from '../../lib/tools/integrations/tuning-job/tuning-trials';
import {
  ACCOUNT,
  fakeTask,
  MODELS,
  OBJECTIVE,
  REGION,
  type Seen,
  selected,
  tuneParameters,
  tuningName,
} from './tuning-fixtures';

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
    // DescribeHyperParameterTuningJob says InProgress while each trial runs (one training job in
    // progress, its objective pending), then how the tuning job ended.
    expect(
      seen.recordedTuningJobs.map((d) => [
        d.HyperParameterTuningJobStatus,
        d.TrainingJobStatusCounters.InProgress,
        d.ObjectiveStatusCounters.Pending,
        d.TrainingJobStatusCounters.Completed,
      ]),
    ).toEqual([...names.map((_n, i) => ['InProgress', 1, 1, i]), ['Completed', 0, 0, 4]]);
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
