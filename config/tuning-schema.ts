import { z } from 'zod';
import {
  MAX_TUNING_RANGES,
  type TuningOptions,
  tuningSearchProblems,
  TuningStrategy,
} from '../constructs/training/tuning';
import { METRIC_GROUPS } from './evaluation-metrics';

// The rules across fields live in constructs/training/tuning.ts (the construct checks them for
// teams that import it); the configuration states its limits in the schema and adds what only it
// knows: the model's metrics and hyperparameters, and the environment's budget.

const bound = z.number('must be a number');
/** `TuningStrategy`'s values, as the configuration writes them. */
const STRATEGIES = ['Bayesian', 'Random', 'Hyperband'] as const satisfies readonly `${TuningStrategy}`[];
const numericRange = <T extends 'continuous' | 'integer'>(
  type: T,
  scalings: readonly [string, ...string[]],
) =>
  z.strictObject({
    type: z.literal(type),
    min: type === 'integer' ? bound.int('must be a whole number') : bound,
    max: type === 'integer' ? bound.int('must be a whole number') : bound,
    scaling: z
      .enum(scalings, `must be one of ${scalings.join(', ')}`)
      .default('Auto')
      .describe(
        'How sampled values spread: `Auto` (SageMaker chooses), `Linear`, `Logarithmic` (min > 0)' +
          (type === 'continuous' ? ', `ReverseLogarithmic` (0 <= min, max < 1)' : '') +
          '.',
      ),
  });

const rangeSchema = z.discriminatedUnion(
  'type',
  [
    numericRange('continuous', ['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic']),
    numericRange('integer', ['Auto', 'Linear', 'Logarithmic']),
    z.strictObject({
      type: z.literal('categorical'),
      values: z
        .array(z.union([z.string(), z.number(), z.boolean()], 'must be a string, number or boolean'))
        .min(1, 'must have at least one value')
        .max(MAX_TUNING_RANGES, `must have at most ${MAX_TUNING_RANGES} values`),
    }),
  ],
  { error: () => "must have type 'continuous', 'integer' or 'categorical'" },
);

/** A model's hyperparameter search: the same in every environment; its budget is each environment's. */
export const modelTuningSchema = z
  .strictObject({
    objective: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]*$/,
        "must be a metric name of the problem type's group in ml/evaluation-metrics.json",
      )
      .describe(
        "The metric of the model's `problemType` the tuning job optimizes, as the training job prints it on the validation split (`validation:<metric>`), in the metric's better direction (`ml/evaluation-metrics.json`).",
      ),
    strategy: z
      .enum(STRATEGIES, `must be one of ${STRATEGIES.join(', ')}`)
      .default('Bayesian')
      .describe(
        "How the next trial's values are chosen. `Hyperband` needs `hyperband` and a train.py that prints the objective after every epoch.",
      ),
    ranges: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a kebab-case name'), rangeSchema)
      .describe(
        `The hyperparameters searched (1 to ${MAX_TUNING_RANGES}), each one of the model's \`hyperparameters\` (its value there is unused while tuning): \`{ type: continuous|integer, min, max, scaling }\` or \`{ type: categorical, values }\`.`,
      ),
    earlyStopping: z
      .boolean('must be true or false')
      .default(false)
      .describe('Stops trials unlikely to beat the best so far; not with Hyperband.'),
    hyperband: z
      .strictObject({
        minResource: z.number().int().min(1).describe('Fewest epochs a trial runs.'),
        maxResource: z.number().int().min(1).describe('Most epochs a trial runs.'),
      })
      .optional()
      .describe('Hyperband only: the least and most epochs per trial.'),
  })
  .optional()
  .describe(
    'Tunes instead of training once: a `Tune` step (a SageMaker tuning job, `createHyperParameterTuningJob.sync`) replaces `Train`, each trial a training job with values sampled from `ranges`; the best trial is evaluated and registered, its package recording the tuning job and the winning values. Each environment sets how many trials (`training.tuning`). Not set: one training job with `hyperparameters`.',
  );

/** An environment's budget for every tuned model. */
export const tuningBudgetSchema = z
  .strictObject({
    maxJobs: z
      .number('must be a number')
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(500, 'must be at most 500')
      .describe(
        "Most trials of a tuned model's run (`MaxNumberOfTrainingJobs`); each is a training job, priced as one.",
      ),
    maxParallelJobs: z
      .number('must be a number')
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .describe(
        'Most trials at a time (`MaxParallelTrainingJobs`); at most `maxJobs`. The local environment runs one at a time.',
      ),
  })
  .prefault({ maxJobs: 2, maxParallelJobs: 1 })
  .describe('How many trials a tuned model runs in this environment (models with `tuning`).');

type ModelTuning = NonNullable<z.infer<typeof modelTuningSchema>>;
type TuningBudget = z.infer<typeof tuningBudgetSchema>;

/** The construct's options of a model's `tuning` in an environment of `budget`. */
export function tuningOptions(tuning: ModelTuning, problemType: string, budget: TuningBudget): TuningOptions {
  const better = METRIC_GROUPS[problemType]?.[tuning.objective];
  return {
    objective: {
      metric: `validation:${tuning.objective}`,
      direction: better === 'lower' ? 'Minimize' : 'Maximize',
    },
    strategy: tuning.strategy as TuningStrategy,
    ranges: tuning.ranges as TuningOptions['ranges'],
    earlyStopping: tuning.earlyStopping,
    hyperband: tuning.hyperband,
    maxJobs: budget.maxJobs,
    maxParallelJobs: budget.maxParallelJobs,
  };
}

/** Problems of a model's `tuning`, as `[path under the model, message]`. */
export function modelTuningProblems(model: {
  name: string;
  problemType: string;
  hyperparameters: Record<string, unknown>;
  tuning?: ModelTuning;
}): Array<[string[], string]> {
  const { tuning } = model;
  if (!tuning) return [];
  const problems: Array<[string[], string]> = [];
  const metrics = Object.keys(METRIC_GROUPS[model.problemType] ?? {});
  if (!metrics.includes(tuning.objective)) {
    problems.push([
      ['tuning', 'objective'],
      `'${tuning.objective}' is not a metric of model ${model.name}'s problem type ${model.problemType} (${metrics.join(', ')})`,
    ]);
  }
  for (const name of Object.keys(tuning.ranges)) {
    if (!(name in model.hyperparameters)) {
      problems.push([
        ['tuning', 'ranges', name],
        `is not one of model ${model.name}'s hyperparameters (${Object.keys(model.hyperparameters).join(', ')}): add it there with a value train.py takes (each trial passes it as --${name})`,
      ]);
    }
  }
  // A trial passes each value as the configured one's argument: its type must be the configured one's.
  for (const [name, range] of Object.entries(tuning.ranges)) {
    const configured = model.hyperparameters[name];
    if (configured === undefined) continue;
    const kinds = range.type === 'categorical' ? [...new Set(range.values.map((v) => typeof v))] : ['number'];
    if (kinds.some((kind) => kind !== typeof configured)) {
      problems.push([
        ['tuning', 'ranges', name],
        `gives ${kinds.join(' and ')} values, but model ${model.name}'s ${name} is a ${typeof configured} (${String(configured)}): train.py would refuse them in every trial`,
      ]);
    }
  }
  const options = tuningOptions(tuning, model.problemType, { maxJobs: 1, maxParallelJobs: 1 });
  for (const problem of tuningSearchProblems(options, [options.objective.metric])) {
    problems.push([['tuning'], `model ${model.name}: ${problem}`]);
  }
  return problems;
}
