import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';
import {
  ModelRegistry,
  TrainingPipeline,
  type TrainingPipelineProps,
  type TuningOptions,
} from '../../constructs';
import { stateMachineDefinition } from '../../cfn/undeployed-definitions';
import { pipelineFixture } from '../support/training-fixtures';

type Json = Record<string, any>;

const METRICS = [
  { name: 'train:auc', regex: 'metric train:auc=(-?[0-9.]+)' },
  { name: 'validation:auc', regex: 'metric validation:auc=(-?[0-9.]+)' },
];
const TUNING: TuningOptions = {
  objective: { metric: 'validation:auc', direction: 'Maximize' },
  ranges: {
    'max-depth': { type: 'integer', min: 2, max: 5 },
    'learning-rate': { type: 'continuous', min: 0.02, max: 0.3, scaling: 'Logarithmic' },
    loss: { type: 'categorical', values: ['log_loss', 'exponential'] },
  },
  maxJobs: 5,
  maxParallelJobs: 2,
};
const HYPERPARAMETERS = { 'n-estimators': 100, 'max-depth': 3, 'learning-rate': 0.1, loss: 'log_loss' };

/** The rendered states of a pipeline built with `extra` props. */
function states(extra: Partial<TrainingPipelineProps>, modelName = 'churn'): Json {
  const { stack, props } = pipelineFixture();
  const registry =
    modelName === 'churn'
      ? props.registry
      : new ModelRegistry(stack, 'Other', { modelNames: [modelName], groupNamePrefix: 'other' });
  new TrainingPipeline(stack, 'Pipeline', {
    ...props,
    modelName,
    registry,
    hyperparameters: HYPERPARAMETERS,
    metricDefinitions: METRICS,
    spot: { maxWait: Duration.hours(2) },
    ...extra,
  });
  const template = Template.fromStack(stack);
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
  return stateMachineDefinition(machine.Properties)!.States as Json;
}

describe('a tuned pipeline', () => {
  const tuned = states({ tuning: TUNING });
  const untuned = states({});
  const tune = tuned.Tune;

  test('tunes with a createHyperParameterTuningJob.sync task instead of Train, its result where Train puts its own', () => {
    expect(tuned.Train).toBeUndefined();
    expect(tune.Resource).toMatch(/:states:::sagemaker:createHyperParameterTuningJob\.sync$/);
    expect(tune.ResultPath).toBe(untuned.Train.ResultPath);
    // The states after it read what Train's result held, under the same names.
    expect(Object.keys(tune.ResultSelector)).toEqual(
      expect.arrayContaining(Object.keys(untuned.Train.ResultSelector)),
    );
    expect(tuned.Evaluate).toEqual(untuned.Evaluate);
  });

  test("each trial is Train's job: the same request, the searched hyperparameters out of the static ones, no checkpoints", () => {
    const {
      'TrainingJobName.$': _name,
      HyperParameters,
      CheckpointConfig,
      ...request
    } = untuned.Train.Parameters;
    expect(CheckpointConfig).toBeDefined(); // spot: Train checkpoints; parallel trials would share the location
    const searched = Object.keys(TUNING.ranges);
    expect(tune.Parameters.TrainingJobDefinition).toEqual({
      ...request,
      StaticHyperParameters: Object.fromEntries(
        Object.entries(HyperParameters).filter(([name]) => !searched.includes(name)),
      ),
    });
    expect(Object.keys(HyperParameters)).toEqual(expect.arrayContaining(searched));
  });

  // CreateHyperParameterTuningJob's API reference: every bound and value is a string; the
  // objective names one of the job's MetricDefinitions.
  test('renders the ranges, objective and limits as the API takes them', () => {
    const config = tune.Parameters.HyperParameterTuningJobConfig;
    expect(config).toEqual({
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 5, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'max-depth', MinValue: '2', MaxValue: '5', ScalingType: 'Auto' }],
        ContinuousParameterRanges: [
          { Name: 'learning-rate', MinValue: '0.02', MaxValue: '0.3', ScalingType: 'Logarithmic' },
        ],
        CategoricalParameterRanges: [{ Name: 'loss', Values: ['log_loss', 'exponential'] }],
      },
      TrainingJobEarlyStoppingType: 'Off',
    });
    const metricNames = tune.Parameters.TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions.map(
      (m: Json) => m.Name,
    );
    expect(metricNames).toContain(config.HyperParameterTuningJobObjective.MetricName);
  });

  test("the best trial's model is at <S3OutputPath><trial name>/output/model.tar.gz, SageMaker's layout", () => {
    expect(tune.ResultSelector['modelArtifacts.$']).toBe(
      "States.Format('{}{}/output/model.tar.gz', $.TrainingJobDefinition.OutputDataConfig.S3OutputPath, $.BestTrainingJob.TrainingJobName)",
    );
    expect(tune.ResultSelector['jobName.$']).toBe('$.BestTrainingJob.TrainingJobName');
  });

  test('waits for every wave of parallel trials: ceil(maxJobs / maxParallelJobs) times a trial', () => {
    expect(tune.TimeoutSeconds).toBe(untuned.Train.TimeoutSeconds * Math.ceil(5 / 2));
  });

  // CreateHyperParameterTuningJob: HyperParameterTuningJobName is 1-32 of [a-zA-Z0-9](-*[a-zA-Z0-9]).
  test.each(['churn', 'a'.repeat(18)])(
    "model %s's tuning job names are valid for the longest run id, and start the model's prefix",
    async (model) => {
      const machine = model === 'churn' ? tuned : states({ tuning: TUNING }, model);
      const output = /^\{%([\s\S]*)%\}$/.exec(machine.NameTuningJob.Output)![1];
      const run = { id: 'f'.repeat(32) };
      const named = await jsonata(output).evaluate({}, { states: { input: { run, keep: 1 } } });
      expect(named).toEqual({ run: { ...run, tuneId: expect.any(String) }, keep: 1 });
      const format = /^States\.Format\('([a-z0-9-]+)\{\}', \$\.run\.tuneId\)$/.exec(
        machine.Tune.Parameters['HyperParameterTuningJobName.$'],
      )![1];
      const name = `${format}${named.run.tuneId}`;
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/);
      expect(name.startsWith(`${model}-tune-`)).toBe(true);
      expect(run.id.startsWith(named.run.tuneId)).toBe(true);
    },
  );
});

describe('tuning props are validated', () => {
  const { stack, props } = pipelineFixture();
  let n = 0;
  const build = (tuning: Partial<TuningOptions>) => () =>
    new TrainingPipeline(stack, `P${n++}`, {
      ...props,
      metricDefinitions: METRICS,
      tuning: { ...TUNING, ...tuning } as TuningOptions,
    });
  test.each<[string, Partial<TuningOptions>, string]>([
    [
      'an objective no metric definition prints',
      { objective: { metric: 'validation:rmse', direction: 'Minimize' } },
      "tuning.objective.metric 'validation:rmse' is not a metric the training job prints",
    ],
    [
      'more parallel trials than trials',
      { maxJobs: 2, maxParallelJobs: 3 },
      'tuning.maxParallelJobs (3) must be at most maxJobs (2)',
    ],
    [
      'Hyperband with early stopping',
      { strategy: 'Hyperband' as never, earlyStopping: true, hyperband: { minResource: 1, maxResource: 9 } },
      'tuning.earlyStopping must be false with Hyperband',
    ],
    [
      'Hyperband without resources',
      { strategy: 'Hyperband' as never },
      'tuning.hyperband (minResource, maxResource) is required with Hyperband',
    ],
    [
      'a logarithmic range reaching 0',
      { ranges: { x: { type: 'continuous', min: 0, max: 1, scaling: 'Logarithmic' } } },
      'tuning.ranges.x: Logarithmic scaling needs min > 0',
    ],
    [
      'a reverse-logarithmic range reaching 1',
      { ranges: { x: { type: 'continuous', min: 0, max: 1, scaling: 'ReverseLogarithmic' } } },
      'tuning.ranges.x: ReverseLogarithmic scaling needs 0 <= min and max < 1',
    ],
    [
      'min not below max',
      { ranges: { x: { type: 'integer', min: 3, max: 3 } } },
      'tuning.ranges.x: min (3) must be below max (3)',
    ],
    [
      '31 ranges',
      {
        ranges: Object.fromEntries(
          Array.from({ length: 31 }, (_, i) => [`h${i}`, { type: 'integer', min: 1, max: 2 }]),
        ),
      },
      'SageMaker searches at most 30',
    ],
    [
      'a categorical value the package metadata cannot hold',
      { ranges: { x: { type: 'categorical', values: ['{"a":1}'] } } },
      'tuning.ranges.x: value \'{"a":1}\' must be 1-256 letters',
    ],
    [
      'a name SageMaker sets',
      { ranges: { _tuning_objective_metric: { type: 'categorical', values: ['a'] } } },
      'is set by SageMaker, not searched',
    ],
    [
      'a name too long for the package metadata key tuned.<name>',
      { ranges: { ['x'.repeat(123)]: { type: 'integer', min: 1, max: 9 } } },
      'the name is 123 characters; the package records it as tuned.<name>, at most 128',
    ],
    [
      'fewer combinations than trials',
      { maxJobs: 5, ranges: { x: { type: 'integer', min: 1, max: 2 } } },
      'tuning.ranges allow 2 combinations, fewer than tuning.maxJobs (5)',
    ],
  ])('%s', (_what, tuning, message) => {
    expect(build(tuning)).toThrow(message);
  });
});
