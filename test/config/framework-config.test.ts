import { ConfigError, effectiveTraining, frameworkFacts, loadConfig, modelDistribution } from '../../config';
import { FRAMEWORK_NAMES, FRAMEWORKS, type FrameworkName, instanceProcessor } from '../../constructs';
import { configInput } from '../support/config-fixtures';

/** The problems of a configuration, each one line; fails when it is accepted. */
function problemsOf(input: unknown): readonly string[] {
  try {
    loadConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

const committed = loadConfig(configInput());
const environments = committed.environments.map((e) => [e.name, e] as const);
/** A GPU instance type (ml.g*, ml.p* are GPU by the SageMaker SDK's rule). */
const GPU = 'ml.g5.xlarge';
/** The newest version each framework's table lists (aliases come after the versions). */
const newest = (name: FrameworkName) =>
  FRAMEWORKS[name].versions.filter((v) => !/^\d+\.\d+$/.test(v) || name !== 'pytorch').at(-1)!;
const customUris = (input: any) =>
  Object.fromEntries(
    Object.values(input.environments as Record<string, any>).map((env) => [
      env.region,
      `${env.account}.dkr.ecr.${env.region}.amazonaws.com/team-model:1`,
    ]),
  );

/** The committed configuration with one model only, of `framework` (churn's other settings). */
function withModel(framework: Record<string, unknown>): any {
  const input = configInput() as any;
  const [first] = input.models;
  input.models = [{ ...first, name: 'only', framework }];
  return input;
}
/**
 * `config` with its training jobs in `env` on `type`; staging's and prod's together, since
 * staging mirrors prod's training instance types (a rule of its own).
 */
function trainOn(config: any, env: string, type: string): any {
  const mirrored = ['staging', 'prod'].includes(env) ? ['staging', 'prod'] : [env];
  for (const name of mirrored) {
    if (config.environments[name]) config.environments[name].training.instanceType = type;
  }
  return config;
}
/** The problems of `config` at `env`'s fields (none when it is accepted). */
function problemsAt(config: unknown, env: string): readonly string[] {
  try {
    loadConfig(config);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.filter((p) => p.startsWith(`${env}.`));
  }
}
const frameworkOf = (name: FrameworkName) => ({ name, version: newest(name) });
const frameworks: Array<[string, (input: any) => Record<string, unknown>]> = [
  ...FRAMEWORK_NAMES.map(
    (name) => [name, () => frameworkOf(name)] as [string, () => Record<string, unknown>],
  ),
  ['custom cpu', (input: any) => ({ name: 'custom', processor: 'cpu', imageUris: customUris(input) })],
];

describe.each(frameworks)('a %s model', (_name, framework) => {
  const input = () => {
    const base = withModel({});
    base.models[0].framework = framework(base);
    return base;
  };

  test('trains and serves on the committed CPU instances everywhere', () => {
    expect(() => loadConfig(input())).not.toThrow();
  });

  test.each(environments)(
    '%s: a GPU training instance is accepted only if the image has a GPU variant',
    (env) => {
      const config = trainOn(input(), env, GPU);
      config.environments[env].training.processingInstanceType = GPU;
      const facts = frameworkFacts(loadConfig(input()).models[0].framework)!;
      if (facts.processors.includes('gpu')) {
        expect(problemsAt(config, env)).toEqual([]);
      } else {
        // The processing instance is not refused again: the training image is the one it would run.
        expect(problemsAt(config, env)).toEqual([
          `${env}.training.instanceType: ${GPU} is a GPU instance type, but model only's image (${facts.what}) runs on CPU instances only`,
        ]);
      }
    },
  );

  test.each(environments)(
    '%s: two training instances are refused while the model declares no distribution, naming what it may declare',
    (env) => {
      const config = input();
      config.environments[env].training.instanceCount = 2;
      const facts = frameworkFacts(loadConfig(input()).models[0].framework)!;
      const fix =
        facts.distributions.length === 0
          ? `set 1 (${facts.what} offers no distribution)`
          : `set 1, or make train.py share the work and then declare how (models[0].distribution: ${facts.distributions.map((d) => `'${d}'`).join(', ')}; docs/guide/training.md, "Compute per model")`;
      expect(problemsOf(config)).toEqual([
        `${env}.training.instanceCount: is 2, but model only declares no distribution (models[0].distribution is 'none'): its train.py would run alone on each instance, so the other instances would be paid for and idle; ${fix}`,
      ]);
    },
  );
});

test.each(environments)(
  '%s: sklearn with two training instances is refused, naming the environment and field',
  (env) => {
    const config = withModel(frameworkOf('sklearn'));
    config.environments[env].training.instanceCount = 2;
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${env}\\.training\\.instanceCount: is 2, but model only declares no distribution .*; set 1 \\(sklearn .* offers no distribution\\)$`,
        ),
      ),
    ]);
  },
);

test.each(environments)(
  '%s: a GPU endpoint instance with a CPU-only image is refused where it serves on instances',
  (env, settings) => {
    const config = withModel(frameworkOf('sklearn'));
    config.environments[env].serving.instanceType = GPU;
    const line = `${env}.serving.instanceType: ${GPU} is a GPU instance type, but model only's image (sklearn ${newest('sklearn')}) runs on CPU instances only`;
    const problems = problemsOf.bind(null, config);
    if (settings.serving.kind === 'instance') expect(problems()).toContain(line);
    else {
      // A serverless endpoint has no instance type: nothing to refuse here (other rules may apply).
      let refused: readonly string[] = [];
      try {
        loadConfig(config);
      } catch (error) {
        refused = (error as ConfigError).problems;
      }
      expect(refused).not.toContain(line);
    }
  },
);

test.each(environments)(
  '%s: a GPU-only custom image on CPU instances, or behind a serverless endpoint, is refused',
  (env, settings) => {
    const config = withModel({});
    config.models[0].framework = { name: 'custom', processor: 'gpu', imageUris: customUris(config) };
    const problems = problemsOf(config).filter((p) => p.startsWith(`${env}.`));
    const what = 'custom image (gpu)';
    expect(problems).toEqual(
      expect.arrayContaining([
        `${env}.training.instanceType: ${settings.training.instanceType} is a CPU instance type, but model only's image (${what}) runs on GPU instances only`,
        settings.serving.kind === 'instance'
          ? `${env}.serving.instanceType: ${settings.serving.instanceType} is a CPU instance type, but model only's image (${what}) runs on GPU instances only`
          : `${env}.serving.kind: must be 'instance': serverless endpoints run on CPU, and model only's image (${what}) runs on GPU instances only`,
      ]),
    );
  },
);

test.each(environments)("%s: PyTorch's GPU training image is not run on CPU processing instances", (env) => {
  const config = trainOn(withModel({ name: 'pytorch', version: '2.3' }), env, GPU);
  expect(problemsAt(config, env)).toEqual([
    `${env}.training.processingInstanceType: ${config.environments[env].training.processingInstanceType} is a CPU instance type, but model only's training image (pytorch 2.3.0, its gpu variant for training.instanceType ${GPU}; preprocessing and evaluation run it too) runs on GPU instances only`,
  ]);
});

test('an Inferentia or Trainium instance is refused: no table image runs on AWS Neuron', () => {
  const config = withModel(frameworkOf('pytorch'));
  const [env] = Object.keys(config.environments);
  config.environments[env].training.instanceType = 'ml.trn1.2xlarge';
  expect(problemsOf(config)).toEqual([
    `${env}.training.instanceType: ml.trn1.2xlarge is an AWS Neuron (Inferentia, Trainium) instance type, but model only's image (pytorch ${newest('pytorch')}) runs on CPU and GPU instances only`,
  ]);
});

describe('bad framework input gets one line each, naming model and field', () => {
  test.each(FRAMEWORK_NAMES.map((n) => [n] as const))('%s: a version its table does not know', (name) => {
    expect(problemsOf(withModel({ name, version: '9.9-9' }))).toEqual([
      `models.0.framework.version: '9.9-9' is not a ${name} version with SageMaker images (model only): one of ${FRAMEWORKS[name].versions.join(', ')}`,
    ]);
  });

  test.each([
    [
      { name: 'tensorflow', version: '2.16' },
      "models.0.framework.name: must be one of 'sklearn', 'xgboost', 'pytorch', 'custom'",
    ],
    [
      { version: '1.2-1' },
      "models.0.framework.name: must be one of 'sklearn', 'xgboost', 'pytorch', 'custom'",
    ],
    [{ name: 'custom', processor: 'cpu' }, 'models.0.framework.imageUris: is required'],
    [
      { name: 'custom', processor: 'tpu', imageUris: {} },
      "models.0.framework.processor: must be 'cpu' or 'gpu'",
    ],
    [
      { name: 'custom', processor: 'cpu', imageUris: {}, version: '1' },
      'models.0.framework.version: unknown field',
    ],
    [{ name: 'xgboost', version: '1.7-1', processor: 'gpu' }, 'models.0.framework.processor: unknown field'],
  ])('%j', (framework, line) => {
    expect(problemsOf(withModel(framework))).toContain(line);
    expect(problemsOf(withModel(framework)).filter((p) => p.startsWith('models.0.framework'))).toEqual([
      line,
    ]);
  });

  test.each(environments)(
    '%s: a custom image without a URI for its region names the field to set',
    (env, settings) => {
      const config = withModel({});
      const uris = customUris(config);
      delete uris[settings.region];
      config.models[0].framework = { name: 'custom', processor: 'cpu', imageUris: uris };
      expect(problemsOf(config)).toContain(
        `${env}.region: no custom image is known for ${settings.region} (model only): set models[0].framework.imageUris['${settings.region}'] to the image URI in that region`,
      );
    },
  );
});

test.each(environments)(
  '%s: no committed model trains on more instances than its declared distribution uses, nor on a processor its image lacks',
  (_env, settings) => {
    for (const model of committed.models) {
      const facts = frameworkFacts(model.framework)!;
      const compute = effectiveTraining(settings, model.name);
      const distribution = modelDistribution(model);
      expect([model.name, compute.instanceCount === 1 || facts.distributions.includes(distribution)]).toEqual(
        [model.name, true],
      );
      for (const type of [compute.instanceType, settings.training.processingInstanceType]) {
        expect([model.name, type, facts.processors]).toEqual([
          model.name,
          type,
          expect.arrayContaining([instanceProcessor(type)]),
        ]);
      }
    }
  },
);
