import { createHash } from 'node:crypto';

/** A range of `HyperParameterTuningJobConfig.ParameterRanges`, as CreateHyperParameterTuningJob takes it (values as strings). */
export interface NumericParameterRange {
  readonly Name: string;
  readonly MinValue: string;
  readonly MaxValue: string;
  /** `Auto | Linear | Logarithmic | ReverseLogarithmic` (ReverseLogarithmic: continuous ranges only). @default 'Auto' */
  readonly ScalingType?: string;
}

export interface CategoricalParameterRange {
  readonly Name: string;
  readonly Values: readonly string[];
}

export interface ParameterRanges {
  readonly IntegerParameterRanges?: readonly NumericParameterRange[];
  readonly ContinuousParameterRanges?: readonly NumericParameterRange[];
  readonly CategoricalParameterRanges?: readonly CategoricalParameterRange[];
}

/** A uniform draw in [0, 1). */
export type Random = () => number;

/**
 * A reproducible stream of uniform draws in [0, 1) for `seed` (mulberry32 over the first 32 bits of
 * its SHA-256): the same tuning job name samples the same trials, run after run.
 */
export function seededRandom(seed: string): Random {
  let state = createHash('sha256').update(seed).digest().readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The hyperparameters of `count` trials, each range sampled at random, as strings (as SageMaker
 * passes them), seeded from `seed` (the tuning job's name). Scales as SageMaker's documentation
 * defines them (API_ContinuousParameterRange, API_IntegerParameterRange): `Linear` uniform over the
 * range; `Logarithmic` uniform over the logarithm of the value (ranges above 0 only);
 * `ReverseLogarithmic` uniform over the logarithm of 1 - value (continuous ranges within 0 <= x < 1:
 * dense near 1); `Auto`, where SageMaker chooses, is linear here. Integers are drawn over
 * [min, max + 1) on their scale and rounded down, so every integer of the range can come.
 * Categorical values are chosen with equal chances. A range SageMaker would refuse is an error
 * naming it.
 */
export function sampleTrials(
  ranges: ParameterRanges,
  count: number,
  seed: string,
): Array<Record<string, string>> {
  const samplers = rangeSamplers(ranges);
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Object.fromEntries(samplers.map(({ name, sample }) => [name, sample(random)])),
  );
}

/** The names of the ranged hyperparameters, in the order the ranges list them. */
export function rangedNames(ranges: ParameterRanges): string[] {
  return rangeSamplers(ranges).map((s) => s.name);
}

interface RangeSampler {
  readonly name: string;
  readonly sample: (random: Random) => string;
}

function rangeSamplers(ranges: ParameterRanges): RangeSampler[] {
  const samplers = [
    ...(ranges.IntegerParameterRanges ?? []).map((range, i) =>
      integerSampler(range, `IntegerParameterRanges[${i}] (${range.Name})`),
    ),
    ...(ranges.ContinuousParameterRanges ?? []).map((range, i) =>
      continuousSampler(range, `ContinuousParameterRanges[${i}] (${range.Name})`),
    ),
    ...(ranges.CategoricalParameterRanges ?? []).map((range, i) =>
      categoricalSampler(range, `CategoricalParameterRanges[${i}] (${range.Name})`),
    ),
  ];
  const names = samplers.map((s) => s.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw rangeError(repeated, 'has more than one range');
  return samplers;
}

function continuousSampler(range: NumericParameterRange, where: string): RangeSampler {
  const [min, max] = bounds(range, where);
  const scale = range.ScalingType ?? 'Auto';
  const within = (value: number) => Math.min(max, Math.max(min, value));
  switch (scale) {
    case 'Auto':
    case 'Linear':
      return { name: range.Name, sample: (random) => String(within(min + random() * (max - min))) };
    case 'Logarithmic': {
      if (min <= 0) throw rangeError(where, `Logarithmic scaling needs values above 0, not MinValue ${min}`);
      const [low, high] = [Math.log(min), Math.log(max)];
      return {
        name: range.Name,
        sample: (random) => String(within(Math.exp(low + random() * (high - low)))),
      };
    }
    case 'ReverseLogarithmic': {
      if (min < 0 || max >= 1) {
        throw rangeError(
          where,
          `ReverseLogarithmic scaling needs 0 <= MinValue and MaxValue < 1, not [${min}, ${max}]`,
        );
      }
      // Uniform over log(1 - x): log(1 - max) < log(1 - min).
      const [low, high] = [Math.log(1 - max), Math.log(1 - min)];
      return {
        name: range.Name,
        sample: (random) => String(within(1 - Math.exp(low + random() * (high - low)))),
      };
    }
    default:
      throw rangeError(where, `ScalingType ${scale} is not Auto, Linear, Logarithmic or ReverseLogarithmic`);
  }
}

function integerSampler(range: NumericParameterRange, where: string): RangeSampler {
  const [min, max] = bounds(range, where);
  if (!Number.isInteger(min) || !Number.isInteger(max)) {
    throw rangeError(
      where,
      `MinValue and MaxValue must be integers, not ${range.MinValue} and ${range.MaxValue}`,
    );
  }
  const scale = range.ScalingType ?? 'Auto';
  const within = (value: number) => Math.min(max, Math.max(min, Math.floor(value)));
  switch (scale) {
    case 'Auto':
    case 'Linear':
      return { name: range.Name, sample: (random) => String(within(min + random() * (max - min + 1))) };
    case 'Logarithmic': {
      if (min <= 0) throw rangeError(where, `Logarithmic scaling needs values above 0, not MinValue ${min}`);
      const [low, high] = [Math.log(min), Math.log(max + 1)];
      return {
        name: range.Name,
        sample: (random) => String(within(Math.exp(low + random() * (high - low)))),
      };
    }
    default:
      throw rangeError(
        where,
        `ScalingType ${scale} is not one of an integer range's: Auto, Linear or Logarithmic`,
      );
  }
}

function categoricalSampler(range: CategoricalParameterRange, where: string): RangeSampler {
  const values = range.Values ?? [];
  if (values.length === 0) throw rangeError(where, 'has no Values');
  return { name: range.Name, sample: (random) => String(values[Math.floor(random() * values.length)]) };
}

function bounds(range: NumericParameterRange, where: string): [number, number] {
  const [min, max] = [Number(range.MinValue), Number(range.MaxValue)];
  if (range.MinValue === '' || range.MaxValue === '' || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw rangeError(
      where,
      `MinValue and MaxValue must be numbers, not ${range.MinValue} and ${range.MaxValue}`,
    );
  }
  if (min > max) throw rangeError(where, `MinValue ${min} is above MaxValue ${max}`);
  return [min, max];
}

function rangeError(where: string, problem: string): Error {
  return new Error(`HyperParameterTuningJobConfig.ParameterRanges.${where}: ${problem}`);
}
