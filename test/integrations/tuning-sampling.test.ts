import fc from 'fast-check';
import {
  type NumericParameterRange,
  type ParameterRanges,
  sampleTrials,
} from '../../lib/tools/integrations/tuning-job/sampling';

/**
 * The local tuning job samples its ranges as CreateHyperParameterTuningJob defines them (botocore's
 * model of the SageMaker API, ContinuousParameterRange / IntegerParameterRange /
 * CategoricalParameterRange): values as strings within [MinValue, MaxValue]; `Logarithmic` "works
 * only for ranges that have only values greater than 0"; `ReverseLogarithmic` "only for ranges
 * that are entirely within the range 0<=x<1.0" and is not a scale of integer ranges; categorical
 * values from `Values`. Seeded from the tuning job's name, so a run samples the same trials again.
 */

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,18}$/);
/** A continuous range on a linear or automatic scale, its bounds as SageMaker's strings. */
const linear = fc
  .record({
    a: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    b: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    scale: fc.constantFrom(undefined, 'Auto', 'Linear'),
  })
  .map(({ a, b, scale }) => ({
    MinValue: String(Math.min(a, b)),
    MaxValue: String(Math.max(a, b)),
    ...(scale ? { ScalingType: scale } : {}),
  }));
const logarithmic = fc
  .record({
    a: fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
    b: fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
  })
  .map(({ a, b }) => ({
    MinValue: String(Math.min(a, b)),
    MaxValue: String(Math.max(a, b)),
    ScalingType: 'Logarithmic',
  }));
const reverse = fc
  .record({
    a: fc.double({ min: 0, max: 0.999999, noNaN: true }),
    b: fc.double({ min: 0, max: 0.999999, noNaN: true }),
  })
  .map(({ a, b }) => ({
    MinValue: String(Math.min(a, b)),
    MaxValue: String(Math.max(a, b)),
    ScalingType: 'ReverseLogarithmic',
  }));
const integer = fc
  .record({
    a: fc.integer({ min: 1, max: 10_000 }),
    b: fc.integer({ min: 1, max: 10_000 }),
    scale: fc.constantFrom(undefined, 'Auto', 'Linear', 'Logarithmic'),
  })
  .map(({ a, b, scale }) => ({
    MinValue: String(Math.min(a, b)),
    MaxValue: String(Math.max(a, b)),
    ...(scale ? { ScalingType: scale } : {}),
  }));
const categorical = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
  minLength: 1,
  maxLength: 30,
});

/** Ranges of every kind, their names distinct (`h0`, `h1`, ...). */
const ranges: fc.Arbitrary<ParameterRanges> = fc
  .record({
    continuous: fc.array(fc.oneof(linear, logarithmic, reverse), { maxLength: 4 }),
    integers: fc.array(integer, { maxLength: 4 }),
    categories: fc.array(categorical, { maxLength: 4 }),
  })
  .map(({ continuous, integers, categories }) => {
    let n = 0;
    const named = <T>(range: T) => ({ Name: `h${n++}`, ...range });
    return {
      ContinuousParameterRanges: continuous.map(named),
      IntegerParameterRanges: integers.map(named),
      CategoricalParameterRanges: categories.map((values) => named({ Values: values })),
    };
  });
const trials = fc.integer({ min: 1, max: 20 });

test('exactly MaxNumberOfTrainingJobs trials, each with every ranged hyperparameter as a string', () => {
  fc.assert(
    fc.property(ranges, trials, name, (r, count, seed) => {
      const sampled = sampleTrials(r, count, seed);
      expect(sampled).toHaveLength(count);
      const names = [
        ...r.ContinuousParameterRanges!,
        ...r.IntegerParameterRanges!,
        ...r.CategoricalParameterRanges!,
      ].map((range) => range.Name);
      for (const trial of sampled) {
        expect(Object.keys(trial).sort()).toEqual([...names].sort());
        for (const value of Object.values(trial)) expect(typeof value).toBe('string');
      }
    }),
  );
});

test('the same tuning job name samples the same trials', () => {
  fc.assert(
    fc.property(ranges, trials, name, (r, count, seed) => {
      expect(sampleTrials(r, count, seed)).toEqual(sampleTrials(r, count, seed));
    }),
  );
});

test('continuous values lie within [MinValue, MaxValue], on every scale', () => {
  fc.assert(
    fc.property(fc.oneof(linear, logarithmic, reverse), trials, name, (range, count, seed) => {
      for (const trial of sampleTrials(
        { ContinuousParameterRanges: [{ Name: 'x', ...range }] },
        count,
        seed,
      )) {
        const value = Number(trial.x);
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(Number(range.MinValue));
        expect(value).toBeLessThanOrEqual(Number(range.MaxValue));
      }
    }),
  );
});

test('integer values are integers within [MinValue, MaxValue], written as integers', () => {
  fc.assert(
    fc.property(integer, trials, name, (range, count, seed) => {
      for (const trial of sampleTrials({ IntegerParameterRanges: [{ Name: 'n', ...range }] }, count, seed)) {
        expect(trial.n).toMatch(/^-?\d+$/);
        expect(Number(trial.n)).toBeGreaterThanOrEqual(Number(range.MinValue));
        expect(Number(trial.n)).toBeLessThanOrEqual(Number(range.MaxValue));
      }
    }),
  );
});

test('categorical values are among Values', () => {
  fc.assert(
    fc.property(categorical, trials, name, (values, count, seed) => {
      for (const trial of sampleTrials(
        { CategoricalParameterRanges: [{ Name: 'c', Values: values }] },
        count,
        seed,
      )) {
        expect(values).toContain(trial.c);
      }
    }),
  );
});

test('every integer of a small range and every categorical value comes up', () => {
  const [trialsOf] = [(r: ParameterRanges) => sampleTrials(r, 200, 'coverage')];
  expect(
    new Set(
      trialsOf({ IntegerParameterRanges: [{ Name: 'n', MinValue: '2', MaxValue: '5' }] }).map((t) => t.n),
    ),
  ).toEqual(new Set(['2', '3', '4', '5']));
  expect(
    new Set(
      trialsOf({ CategoricalParameterRanges: [{ Name: 'c', Values: ['a', 'b', 'c'] }] }).map((t) => t.c),
    ),
  ).toEqual(new Set(['a', 'b', 'c']));
});

/**
 * The scales, by where half the samples fall: uniform over the value (linear), over its logarithm
 * (half below the geometric mean of the bounds), or over the logarithm of 1 - value (half above
 * 1 - sqrt((1 - min)(1 - max))).
 */
describe('the scale decides where the samples fall', () => {
  const share = (range: NumericParameterRange, below: number) => {
    const values = sampleTrials({ ContinuousParameterRanges: [range] }, 2000, 'scale').map((t) =>
      Number(t.x),
    );
    return values.filter((v) => v < below).length / values.length;
  };

  test('Linear: half below the middle', () => {
    expect(share({ Name: 'x', MinValue: '0.001', MaxValue: '1', ScalingType: 'Linear' }, 0.5005)).toBeCloseTo(
      0.5,
      1,
    );
  });

  test('Logarithmic: half below the geometric mean (a linear scale would put 3% there)', () => {
    const middle = Math.sqrt(0.001 * 1);
    expect(
      share({ Name: 'x', MinValue: '0.001', MaxValue: '1', ScalingType: 'Logarithmic' }, middle),
    ).toBeCloseTo(0.5, 1);
  });

  test('ReverseLogarithmic: half above 1 - the geometric mean of 1 - the bounds (dense near 1)', () => {
    const middle = 1 - Math.sqrt((1 - 0) * (1 - 0.999));
    expect(
      share({ Name: 'x', MinValue: '0', MaxValue: '0.999', ScalingType: 'ReverseLogarithmic' }, middle),
    ).toBeCloseTo(0.5, 1);
  });

  test('Logarithmic integers: as many below the geometric mean as above', () => {
    const values = sampleTrials(
      {
        IntegerParameterRanges: [{ Name: 'n', MinValue: '1', MaxValue: '9999', ScalingType: 'Logarithmic' }],
      },
      2000,
      'scale',
    ).map((t) => Number(t.n));
    expect(values.filter((v) => v < 100).length / values.length).toBeCloseTo(0.5, 1);
  });
});

describe('a range SageMaker refuses is one line naming it', () => {
  test.each<[string, ParameterRanges, string]>([
    [
      'Logarithmic with a value at or below 0',
      {
        ContinuousParameterRanges: [{ Name: 'lr', MinValue: '0', MaxValue: '1', ScalingType: 'Logarithmic' }],
      },
      'ContinuousParameterRanges[0] (lr): Logarithmic scaling needs values above 0',
    ],
    [
      'ReverseLogarithmic reaching 1',
      {
        ContinuousParameterRanges: [
          { Name: 'm', MinValue: '0.5', MaxValue: '1', ScalingType: 'ReverseLogarithmic' },
        ],
      },
      'ContinuousParameterRanges[0] (m): ReverseLogarithmic scaling needs 0 <= MinValue and MaxValue < 1',
    ],
    [
      'ReverseLogarithmic on integers',
      {
        IntegerParameterRanges: [
          { Name: 'd', MinValue: '0', MaxValue: '0', ScalingType: 'ReverseLogarithmic' },
        ],
      },
      "IntegerParameterRanges[0] (d): ScalingType ReverseLogarithmic is not one of an integer range's",
    ],
    [
      'an integer range with a fraction',
      { IntegerParameterRanges: [{ Name: 'd', MinValue: '1.5', MaxValue: '3' }] },
      'IntegerParameterRanges[0] (d): MinValue and MaxValue must be integers',
    ],
    [
      'MinValue above MaxValue',
      { ContinuousParameterRanges: [{ Name: 'lr', MinValue: '0.3', MaxValue: '0.02' }] },
      'ContinuousParameterRanges[0] (lr): MinValue 0.3 is above MaxValue 0.02',
    ],
    [
      'a bound that is not a number',
      { ContinuousParameterRanges: [{ Name: 'lr', MinValue: 'low', MaxValue: '1' }] },
      'ContinuousParameterRanges[0] (lr): MinValue and MaxValue must be numbers',
    ],
    [
      'no categorical values',
      { CategoricalParameterRanges: [{ Name: 'k', Values: [] }] },
      'CategoricalParameterRanges[0] (k): has no Values',
    ],
    [
      'one name ranged twice',
      {
        IntegerParameterRanges: [{ Name: 'd', MinValue: '1', MaxValue: '3' }],
        CategoricalParameterRanges: [{ Name: 'd', Values: ['1'] }],
      },
      'd: has more than one range',
    ],
  ])('%s', (_case, r, message) => {
    expect(() => sampleTrials(r, 1, 'refused')).toThrow(
      `HyperParameterTuningJobConfig.ParameterRanges.${message}`,
    );
  });
});
