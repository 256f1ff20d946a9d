import fc from 'fast-check';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { ModelLayout } from '../../constructs/common/model-layout';
import { pipelineSteps } from '../../constructs/training/pipeline-steps';
import { isRunString, RUN_STRING_RULES } from '../../constructs/common/run-strings';
import { stateMachineDefinition } from '../../cfn/template-intrinsics';
import { type PipelineRun, runPipeline } from '../support/pipeline-harness';
import { platformAssembly } from '../support/platform';

/**
 * Hostile run-time strings against the synthesized state machines of Dev/churn, run locally: a
 * dataset version (or reason, or dataset location) out of the grammar, given in the execution
 * input or named by the dataset's latest.json, ends the execution as InvalidInput before any job,
 * Glue run or build starts; whatever the input, a job that does start reads and writes only
 * canonical locations (no `.`, `..` or empty segment, nothing percent-encoded) under the model's
 * own prefixes.
 */
const { assembly, config } = platformAssembly();
const MODEL = 'churn';
/** The training pipeline's job states: Train, or Tune where the model tunes. */
const TRAINING_JOBS = pipelineSteps(config.models.find((m) => m.name === MODEL)!.tuning !== undefined).map(
  (step) => step.state,
);
const layout = new ModelLayout(MODEL);
const bucket = (kind: string) => `mlenv-dev-111111111111-eu-west-1-${kind}`;
const RAW = bucket('raw');
const LATEST_URI = `s3://${RAW}/${layout.latestDatasetKey}`;

type Json = Record<string, unknown>;

interface Machine {
  readonly name: string;
  readonly definition: Json;
  /** Its states that start a job, a Glue run, a build or a child execution. */
  readonly jobs: readonly string[];
  /** Answers for the states the harness does not answer itself. */
  readonly overrides: Record<string, (input: Json) => unknown>;
}

const MACHINES: readonly Machine[] = [
  {
    name: 'training pipeline',
    definition: stateMachineDefinition(assembly, 'Dev/ChurnModel', 'ChurnPipeline/StateMachine'),
    jobs: [...TRAINING_JOBS, 'RecordRun', 'LinkRun', 'RegisterModel'],
    overrides: {},
  },
  {
    name: 'data pipeline',
    definition: stateMachineDefinition(assembly, 'Dev/ChurnModel', 'ChurnDataPipeline/StateMachine'),
    jobs: ['CleanRawData', 'BuildFeatures', 'Train'],
    overrides: {
      CleanRawData: () => ({ Id: 'jr_1', JobRunState: 'SUCCEEDED' }),
      BuildFeatures: () => ({ Build: { Id: 'features:1', BuildStatus: 'SUCCEEDED' } }),
      Train: () => ({
        ExecutionArn: 'arn:aws:states:eu-west-1:111111111111:execution:t:1',
        Status: 'SUCCEEDED',
      }),
    },
  },
];

/** The two ways a version reaches a run: in the execution input, or named by latest.json. */
type Path = 'input' | 'latest.json';

/** Runs `machine` on `version` the `path` way (the dataset's folder built from it, as a push would). */
function runOn(
  machine: Machine,
  path: Path,
  version: string,
  change: Partial<Json> = {},
): Promise<PipelineRun> {
  const pushed = DatasetLayout.latest(RAW, MODEL, version);
  const given =
    path === 'input'
      ? { datasetS3Uri: pushed.datasetS3Uri, datasetVersion: version, reason: 'manual' }
      : { datasetS3Uri: `s3://${RAW}/${layout.datasetPrefix}`, datasetVersion: 'latest', reason: 'new-data' };
  return runPipeline(
    machine.definition,
    { ...given, ...(path === 'input' ? change : {}) },
    {
      objects: { [LATEST_URI]: JSON.stringify({ ...pushed, ...(path === 'latest.json' ? change : {}) }) },
      overrides: machine.overrides,
    },
  );
}

const started = (machine: Machine, run: PipelineRun) => machine.jobs.filter((job) => run.calls[job]);

/** Every s3:// string the jobs of a run were given that the definition does not hold as it is (run-time ones). */
function runTimeLocations(machine: Machine, run: PipelineRun): string[] {
  const fixed = JSON.stringify(machine.definition);
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('s3://') && !fixed.includes(JSON.stringify(value))) found.push(value);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  for (const job of machine.jobs) walk(run.calls[job]);
  // The dbt build exports the features to `<features prefix><version>/`.
  for (const build of run.calls.BuildFeatures ?? []) {
    const variables = build.EnvironmentVariablesOverride as Array<{ Name: string; Value: string }>;
    const version = variables.find((v) => v.Name === 'MLENV_DATASET_VERSION')?.Value;
    found.push(`s3://${bucket('curated')}/${layout.featuresPrefix}${version}/`);
  }
  return found;
}

/** Whether a location stays where it says whatever resolves it (no segment climbs) and is the model's. */
function isTheModels(uri: string): boolean {
  const ownPrefixes = ['raw', 'curated', 'models'].map((kind) => `s3://${bucket(kind)}/${MODEL}/`);
  return isRunString('location', uri) && ownPrefixes.some((prefix) => uri.startsWith(prefix));
}

/** The invariant of every run: refused before any job, or every run-time location canonical and the model's. */
function expectConfined(machine: Machine, run: PipelineRun): void {
  if (started(machine, run).length === 0) return;
  const outside = runTimeLocations(machine, run).filter((uri) => !isTheModels(uri));
  expect(outside).toEqual([]);
}

function expectRefused(machine: Machine, run: PipelineRun, field: string): void {
  expect({ status: run.status, error: run.error, started: started(machine, run) }).toEqual({
    status: 'FAILED',
    error: 'InvalidInput',
    started: [],
  });
  expect(run.cause).toContain(field);
  expect(run.cause).toMatch(/must be (an s3:\/\/ URI|'latest' or 1 to 63|1 to 63)/);
  expect(Object.keys(run.calls).filter((state) => state !== 'ReadLatestDatasetVersion')).toEqual([
    'NotifyFailure',
  ]);
}

/** Versions out of the grammar, of every kind the issue names. */
const hostileVersion: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '../features',
    '../rows',
    'v1/../../other',
    'a/b',
    '',
    '.',
    '..',
    '%2e%2e',
    '%2E%2E%2Ffeatures',
    '.hidden',
    ' v1',
    'v1\n',
    'v1\t',
    '\u00e9t\u00e9',
    'v\u2215features',
    '\uff0e\uff0e',
    'x'.repeat(64),
    'x'.repeat(5000),
    '-v1',
    'v1-',
    'v1.2',
    'v1_2',
    'latest/..',
    '\u0000',
  ),
  // A version with something that climbs, separates or is not safe in a key, anywhere in it.
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9]{0,8}$/),
      fc.constantFrom(
        '/',
        '..',
        '/..',
        '\\',
        '%',
        '.',
        ' ',
        '\n',
        '\u202e',
        '\ud83d\ude00',
        '?',
        '#',
        '*',
        '\u00a0',
      ),
      fc.stringMatching(/^[a-z0-9]{0,8}$/),
    )
    .map(([a, b, c]) => a + b + c),
  // Too long, of allowed characters only.
  fc.stringMatching(/^[a-z0-9]{64,300}$/),
  // Anything at all that the grammar refuses.
  fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !isRunString('name', s)),
);

/** Versions of the grammar (`latest` is the keyword, not a version). */
const goodVersion: fc.Arbitrary<string> = fc
  .stringMatching(new RegExp(RUN_STRING_RULES.name.pattern))
  .filter((s) => s.length <= RUN_STRING_RULES.name.maxLength && s !== DatasetLayout.LATEST);

const numRuns = Number(process.env.MLENV_PROPERTY_RUNS ?? 25);

describe.each(MACHINES.map((m) => [m.name, m] as const))('the %s, run locally', (_name, machine) => {
  describe.each(['input', 'latest.json'] as const)('with the version from the %s', (path) => {
    test('refuses every version out of the grammar as InvalidInput, naming the field, before any job', async () => {
      await fc.assert(
        fc.asyncProperty(hostileVersion, async (version) => {
          expectRefused(machine, await runOn(machine, path, version), 'datasetVersion');
        }),
        { numRuns },
      );
    });

    test('refuses a version of the grammar in a location out of it (a folder that climbs), before any job', async () => {
      await fc.assert(
        fc.asyncProperty(
          goodVersion,
          fc.constantFrom('/../', '//', '/./', '/%2e%2e/', '/ /'),
          async (v, bad) => {
            const uri = `s3://${RAW}/${MODEL}/versions${bad}${v}/`;
            expectRefused(machine, await runOn(machine, path, v, { datasetS3Uri: uri }), 'datasetS3Uri');
          },
        ),
        { numRuns: Math.ceil(numRuns / 2) },
      );
    });

    test('on any version, starts jobs only on a version of the grammar, only in the model own canonical locations', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(goodVersion, hostileVersion), async (version) => {
          const run = await runOn(machine, path, version);
          expect(started(machine, run).length > 0).toBe(isRunString('name', version));
          expectConfined(machine, run);
        }),
        { numRuns },
      );
    });
  });

  test('refuses a reason out of the grammar before any job', async () => {
    await fc.assert(
      fc.asyncProperty(hostileVersion, async (reason) => {
        expectRefused(machine, await runOn(machine, 'input', '0123456789abcdef', { reason }), 'reason');
      }),
      { numRuns: Math.ceil(numRuns / 2) },
    );
  });

  test("refuses a latest.json that names 'latest' as its version (it would be resolved again, elsewhere)", async () => {
    expectRefused(machine, await runOn(machine, 'latest.json', 'latest'), 'datasetVersion');
  });
});

/**
 * The holdout: 6 hostile versions, through both state machines, by both paths. Before the
 * grammar, each of the 24 runs started jobs (the data pipeline's `../features` report overwrite
 * deleted every features version); now none starts one.
 */
const HOLDOUT = ['../features', '../rows', 'v1/../../other', 'a/b', '%2e%2e', '.hidden'];
test.each(
  MACHINES.flatMap((machine) =>
    (['input', 'latest.json'] as const).flatMap((path) =>
      HOLDOUT.map((version) => [machine.name, path, JSON.stringify(version), machine, version] as const),
    ),
  ),
)('holdout: the %s, version from the %s, %s: no job starts', async (_m, path, _shown, machine, version) => {
  const run = await runOn(machine, path, version);
  expectRefused(machine, run, 'datasetVersion');
});

test('a version of the grammar still runs every job of both machines, each in the model own locations', async () => {
  for (const machine of MACHINES) {
    for (const path of ['input', 'latest.json'] as const) {
      const run = await runOn(machine, path, '3f2a9c0d1e4b5a69');
      expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({
        status: 'SUCCEEDED',
        error: undefined,
        cause: undefined,
      });
      expect(started(machine, run)).toEqual(
        expect.arrayContaining(machine.jobs.filter((j) => !/Run$/.test(j))),
      );
      expectConfined(machine, run);
    }
  }
});
