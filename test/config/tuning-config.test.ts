import { ConfigError, loadConfig } from '../../config';
import { METRIC_GROUPS } from '../../config/evaluation-metrics';
import { tuningOptions } from '../../config/tuning-schema';
import { configInput } from '../support/config-fixtures';

type Json = Record<string, any>;

function problemsOf(input: unknown): readonly string[] {
  try {
    loadConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const base = configInput() as unknown as { models: Json[]; environments: Record<string, Json> };

describe.each(base.models.map((model, i) => [model.name, i] as const))(
  "model %s's tuning section",
  (name, i) => {
    /** The configuration with model `name` tuning its first hyperparameter (as an integer range), changed by `edit`. */
    const withTuning = (edit: (tuning: Json, config: Json) => void = () => undefined) => {
      const config = configInput() as unknown as Json;
      const model = config.models[i];
      const metric = Object.keys(METRIC_GROUPS[model.problemType])[0];
      const first = Object.keys(model.hyperparameters)[0];
      model.tuning = { objective: metric, ranges: { [first]: { type: 'integer', min: 1, max: 50 } } };
      edit(model.tuning, config);
      return config;
    };

    test('a valid one loads, and is rendered with its objective in the metric group better direction', () => {
      expect(problemsOf(withTuning())).toEqual([]);
    });

    test.each<[string, (tuning: Json, config: Json) => void, RegExp]>([
      [
        'an objective that is not a metric of the problem type',
        (t) => (t.objective = 'no_such_metric'),
        new RegExp(
          `^models\\.${i}\\.tuning\\.objective: 'no_such_metric' is not a metric of model ${name}'s problem type`,
        ),
      ],
      [
        'a range on a name that is not one of its hyperparameters',
        (t) => (t.ranges['no-such-name'] = { type: 'integer', min: 1, max: 2 }),
        new RegExp(
          `^models\\.${i}\\.tuning\\.ranges\\.no-such-name: is not one of model ${name}'s hyperparameters`,
        ),
      ],
      [
        'a logarithmic range from 0',
        (t) =>
          Object.assign(Object.values(t.ranges)[0] as Json, {
            type: 'continuous',
            min: 0,
            max: 1,
            scaling: 'Logarithmic',
          }),
        new RegExp(
          `^models\\.${i}\\.tuning: model ${name}: tuning\\.ranges\\.[a-z-]+: Logarithmic scaling needs min > 0`,
        ),
      ],
      [
        'categorical values of another type than the configured value (each trial passes one to train.py)',
        (t) => {
          const [first] = Object.keys(t.ranges);
          t.ranges[first] = { type: 'categorical', values: Array.from({ length: 30 }, (_, k) => `v${k}`) };
        },
        new RegExp(
          `^models\\.${i}\\.tuning\\.ranges\\.[a-z-]+: gives string values, but model ${name}'s [a-z-]+ is a number`,
        ),
      ],
      [
        'an unknown strategy',
        (t) => (t.strategy = 'Grid'),
        new RegExp(`^models\\.${i}\\.tuning\\.strategy: must be one of Bayesian, Random, Hyperband`),
      ],
      [
        'Hyperband with early stopping',
        (t) =>
          Object.assign(t, {
            strategy: 'Hyperband',
            earlyStopping: true,
            hyperband: { minResource: 1, maxResource: 9 },
          }),
        new RegExp(
          `^models\\.${i}\\.tuning: model ${name}: tuning\\.earlyStopping must be false with Hyperband`,
        ),
      ],
    ])('refuses %s, naming the model and the field', (_what, edit, message) => {
      const problems = problemsOf(withTuning(edit));
      expect(problems).toEqual([expect.stringMatching(message)]);
    });
  },
);

describe.each(Object.keys(base.environments))("environment %s's tuning budget", (env) => {
  test('more parallel trials than trials is refused, naming the environment', () => {
    const config = configInput() as unknown as Json;
    config.environments[env].training.tuning = { maxJobs: 2, maxParallelJobs: 3 };
    expect(problemsOf(config)).toEqual([
      `${env}.training.tuning: tuning.maxParallelJobs (3) must be at most maxJobs (2)`,
    ]);
  });

  test('the number of trials is bounded', () => {
    const config = configInput() as unknown as Json;
    config.environments[env].training.tuning = { maxJobs: 0, maxParallelJobs: 1 };
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(new RegExp(`^${env}\\.training\\.tuning\\.maxJobs: must be at least 1`)),
    ]);
  });
});

// ml/evaluation-metrics.json says which way each metric is better; the tuning job must search that way.
test.each(
  Object.entries(METRIC_GROUPS).flatMap(([problemType, metrics]) =>
    Object.entries(metrics).map(([metric, better]) => [problemType, metric, better] as const),
  ),
)('a %s objective %s (better %s) is searched in that direction', (problemType, metric, better) => {
  const options = tuningOptions(
    {
      objective: metric,
      strategy: 'Random',
      ranges: { x: { type: 'integer', min: 1, max: 2, scaling: 'Auto' } },
      earlyStopping: false,
    },
    problemType,
    { maxJobs: 3, maxParallelJobs: 1 },
  );
  expect(options.objective).toEqual({
    metric: `validation:${metric}`,
    direction: better === 'higher' ? 'Maximize' : 'Minimize',
  });
});

// SageMaker refuses a tuning job whose integer and categorical ranges allow fewer combinations than
// MaxNumberOfTrainingJobs; each environment's budget is checked against each tuned model.
describe.each(Object.keys(base.environments))(
  "environment %s's budget against a small search space",
  (env) => {
    test.each(base.models.map((m, i) => [m.name, i] as const))('model %s', (name, i) => {
      const config = configInput() as unknown as Json;
      const model = config.models[i];
      const first = Object.keys(model.hyperparameters)[0];
      model.tuning = {
        objective: Object.keys(METRIC_GROUPS[model.problemType])[0],
        ranges: { [first]: { type: 'categorical', values: [1, 2] } },
      };
      for (const each of Object.values(config.environments) as Json[]) {
        each.training.tuning = { maxJobs: 2, maxParallelJobs: 1 };
      }
      config.environments[env].training.tuning = { maxJobs: 3, maxParallelJobs: 1 };
      expect(problemsOf(config)).toEqual([
        `${env}.training.tuning.maxJobs: model ${name}: tuning.ranges allow 2 combinations, fewer than tuning.maxJobs (3): SageMaker refuses such a tuning job; widen a range or run fewer trials`,
      ]);
      config.environments[env].training.tuning = { maxJobs: 2, maxParallelJobs: 1 };
      expect(problemsOf(config)).toEqual([]);
    });
  },
);

// Each model's roles allow `<model>-<step>-*` jobs: a model named after another and a dash would
// have its jobs fall under the other's.
test.each(base.models.map((m) => m.name))('a model named %s-<anything> is refused', (name) => {
  const config = configInput() as unknown as Json;
  const copy = structuredClone(config.models.find((m: Json) => m.name === name));
  copy.name = `${name}-tune`.slice(0, 18);
  config.models.push(copy);
  expect(problemsOf(config)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        new RegExp(
          `^models\\.${config.models.length - 1}\\.name: '${copy.name}' starts with model ${name}'s name and a dash`,
        ),
      ),
    ]),
  );
});
