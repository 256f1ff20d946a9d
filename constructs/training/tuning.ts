import type { ModelLayout } from '../common/model-layout';

/**
 * Hyperparameter tuning of a training pipeline: a SageMaker tuning job (`Tune`) runs trials of the
 * training job with hyperparameters sampled from `ranges`, and the best trial's model goes on to
 * evaluation and registration. Limits are those of CreateHyperParameterTuningJob (API reference,
 * `HyperParameterTuningJobConfig`, `ParameterRanges`, `ResourceLimits`).
 */
export interface TuningOptions {
  /**
   * The metric the tuning job optimizes: one of the training job's metric definitions (what its
   * logs print, e.g. `validation:auc`), and whether a larger value is better.
   */
  readonly objective: { readonly metric: string; readonly direction: TuningDirection };
  /** How the next trial's hyperparameters are chosen. @default TuningStrategy.BAYESIAN */
  readonly strategy?: TuningStrategy;
  /** The hyperparameters to search, by name; each must not be a reserved `sagemaker_` name. */
  readonly ranges: Readonly<Record<string, TuningRange>>;
  /** Most trials in all (`MaxNumberOfTrainingJobs`). */
  readonly maxJobs: number;
  /** Most trials at a time (`MaxParallelTrainingJobs`); at most `maxJobs`. */
  readonly maxParallelJobs: number;
  /**
   * Stops trials unlikely to beat the best so far (`TrainingJobEarlyStoppingType: Auto`); not
   * with Hyperband, which stops trials itself.
   * @default false
   */
  readonly earlyStopping?: boolean;
  /**
   * Hyperband's least and most resource (epochs) per trial; required with `TuningStrategy.HYPERBAND`,
   * whose training script must print the objective after every epoch.
   * @default - none
   */
  readonly hyperband?: { readonly minResource: number; readonly maxResource: number };
}

/** Whether the tuning job looks for the largest or the smallest value of the objective. */
export type TuningDirection = 'Maximize' | 'Minimize';

/** SageMaker's search strategies (Grid is left out: it takes categorical ranges only). */
export enum TuningStrategy {
  BAYESIAN = 'Bayesian',
  RANDOM = 'Random',
  HYPERBAND = 'Hyperband',
}

/** How values of a numeric range are spread when sampled (`ScalingType`). */
export type TuningScaling = 'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

/** One hyperparameter's range. */
export type TuningRange =
  | {
      readonly type: 'continuous';
      readonly min: number;
      readonly max: number;
      readonly scaling?: TuningScaling;
    }
  | {
      readonly type: 'integer';
      readonly min: number;
      readonly max: number;
      readonly scaling?: Exclude<TuningScaling, 'ReverseLogarithmic'>;
    }
  | { readonly type: 'categorical'; readonly values: readonly (string | number | boolean)[] };

/** A tuning job's name is at most 32 characters (CreateHyperParameterTuningJob); its trials' are 63. */
export const TUNING_JOB_NAME_MAX = 32;

/** Ranges in all, and values of a categorical range (ParameterRanges). */
export const MAX_TUNING_RANGES = 30;

/**
 * Characters a categorical value may hold: what a model package's metadata value accepts
 * (`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, at most 256), since the winning values are recorded there.
 */
const METADATA_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/** The hyperparameter SageMaker adds to every trial: the objective's metric name. */
export const TUNING_OBJECTIVE_HYPERPARAMETER = '_tuning_objective_metric';

/** Hyperparameters only SageMaker sets: never searched. */
const RESERVED = (name: string) => name.startsWith('sagemaker_') || name === TUNING_OBJECTIVE_HYPERPARAMETER;

/** What is wrong with `tuning`, one line each: its search (`tuningSearchProblems`) and its budget. */
export function tuningProblems(tuning: TuningOptions, metrics: readonly string[]): string[] {
  return [
    ...tuningSearchProblems(tuning, metrics),
    ...tuningBudgetProblems(tuning),
    ...searchSpaceProblems(tuning.ranges, tuning.maxJobs),
  ];
}

/**
 * How many different trials the ranges allow, when every range is integer or categorical; a
 * continuous range allows any number (undefined).
 */
export function searchCombinations(ranges: Readonly<Record<string, TuningRange>>): number | undefined {
  let combinations = 1;
  for (const range of Object.values(ranges)) {
    if (range.type === 'continuous') return undefined;
    combinations *= range.type === 'integer' ? range.max - range.min + 1 : range.values.length;
  }
  return combinations;
}

/**
 * SageMaker refuses a tuning job whose ranges allow fewer combinations than
 * `MaxNumberOfTrainingJobs` ("You don't have enough combinations of hyperparameter ranges").
 */
export function searchSpaceProblems(
  ranges: Readonly<Record<string, TuningRange>>,
  maxJobs: number,
): string[] {
  const combinations = searchCombinations(ranges);
  if (combinations === undefined || combinations >= maxJobs) return [];
  return [
    `tuning.ranges allow ${combinations} combinations, fewer than tuning.maxJobs (${maxJobs}): SageMaker refuses such a tuning job; widen a range or run fewer trials`,
  ];
}

/** What is wrong with the number of trials, one line each. */
export function tuningBudgetProblems(budget: Pick<TuningOptions, 'maxJobs' | 'maxParallelJobs'>): string[] {
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  if (!whole(budget.maxJobs)) return ['tuning.maxJobs must be a whole number >= 1'];
  if (!whole(budget.maxParallelJobs)) return ['tuning.maxParallelJobs must be a whole number >= 1'];
  if (budget.maxParallelJobs > budget.maxJobs) {
    return [`tuning.maxParallelJobs (${budget.maxParallelJobs}) must be at most maxJobs (${budget.maxJobs})`];
  }
  return [];
}

/**
 * What is wrong with what `tuning` searches for a pipeline whose training prints `metrics`, one
 * line each: the objective, the ranges and the strategy's own rules.
 */
export function tuningSearchProblems(
  tuning: Omit<TuningOptions, 'maxJobs' | 'maxParallelJobs'>,
  metrics: readonly string[],
): string[] {
  const problems: string[] = [];
  const strategy = tuning.strategy ?? TuningStrategy.BAYESIAN;
  if (!metrics.includes(tuning.objective.metric)) {
    problems.push(
      `tuning.objective.metric '${tuning.objective.metric}' is not a metric the training job prints (${metrics.join(', ') || 'none'})`,
    );
  }
  const names = Object.keys(tuning.ranges);
  if (names.length === 0) problems.push('tuning.ranges must name at least one hyperparameter');
  if (names.length > MAX_TUNING_RANGES) {
    problems.push(
      `tuning.ranges has ${names.length} hyperparameters; SageMaker searches at most ${MAX_TUNING_RANGES}`,
    );
  }
  for (const [name, range] of Object.entries(tuning.ranges)) {
    problems.push(...rangeProblems(name, range).map((p) => `tuning.ranges.${name}: ${p}`));
  }
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  if (strategy === TuningStrategy.HYPERBAND) {
    if (tuning.earlyStopping) {
      problems.push('tuning.earlyStopping must be false with Hyperband, which stops trials itself');
    }
    const band = tuning.hyperband;
    if (!band) problems.push('tuning.hyperband (minResource, maxResource) is required with Hyperband');
    else if (!whole(band.minResource) || !whole(band.maxResource) || band.minResource > band.maxResource) {
      problems.push(
        `tuning.hyperband: minResource (${band.minResource}) and maxResource (${band.maxResource}) must be whole numbers >= 1, min <= max`,
      );
    }
  } else if (tuning.hyperband) {
    problems.push(`tuning.hyperband is for the Hyperband strategy only, not ${strategy}`);
  }
  return problems;
}

/** A package metadata key is at most 128 characters: `tuned.<name>` leaves 122 for the name. */
const MAX_RANGE_NAME = 128 - 'tuned.'.length;

function rangeProblems(name: string, range: TuningRange): string[] {
  if (RESERVED(name)) return ['is set by SageMaker, not searched'];
  if (name.length > MAX_RANGE_NAME) {
    return [`the name is ${name.length} characters; the package records it as tuned.<name>, at most 128`];
  }
  if (range.type === 'categorical') {
    const problems: string[] = [];
    if (range.values.length < 1 || range.values.length > MAX_TUNING_RANGES) {
      problems.push(`must have 1 to ${MAX_TUNING_RANGES} values`);
    }
    for (const value of range.values) {
      if (!METADATA_VALUE.test(String(value))) {
        problems.push(
          `value '${String(value)}' must be 1-256 letters, digits, spaces or _.:/=+-@ (the winning value is recorded in the model package)`,
        );
      }
    }
    return problems;
  }
  const { min, max } = range;
  const scaling = range.scaling ?? 'Auto';
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max))
    return [`min (${min}) must be below max (${max})`];
  if (range.type === 'integer' && !(Number.isInteger(min) && Number.isInteger(max))) {
    return ['an integer range needs whole min and max'];
  }
  if (scaling === 'Logarithmic' && min <= 0) return ['Logarithmic scaling needs min > 0'];
  if (scaling === 'ReverseLogarithmic' && range.type === 'integer') {
    return ['ReverseLogarithmic scaling is for continuous ranges only'];
  }
  if (scaling === 'ReverseLogarithmic' && !(min >= 0 && max < 1)) {
    return ['ReverseLogarithmic scaling needs 0 <= min and max < 1'];
  }
  return [];
}

/**
 * How many characters of the run id a tuning job's name keeps: `<model>-tune-<id prefix>` is at
 * most 32 characters (at least 8 of the id for an 18-character model name).
 */
export function tuningIdLength(layout: ModelLayout): number {
  return TUNING_JOB_NAME_MAX - layout.jobNamePrefix('tune').length;
}
