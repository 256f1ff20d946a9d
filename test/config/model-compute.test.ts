import {
  ConfigError,
  effectiveTraining,
  frameworkFacts,
  loadConfig,
  MODEL_COMPUTE_FIELDS,
  modelDistribution,
} from '../../config';
import { TORCH_DISTRIBUTED_GPU_VERSIONS, TRAINING_DISTRIBUTIONS } from '../../constructs';
import { configInput } from '../support/config-fixtures';

/**
 * A model's compute per environment (`environments.<env>.training.models.<model>`) and its declared
 * distribution, one case per rule: each refusal is one line whose path names the environment, the
 * override's model and the field (the environment's own field when no override set it), and whose
 * message names the model.
 */

/** The problems of a configuration, each one line (none when it is accepted). */
function problemsOf(input: unknown): readonly string[] {
  try {
    loadConfig(input);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const committed = loadConfig(configInput());
const environments = committed.environments.map((e) => e.name);
const models = committed.models.map((m, i) => [m.name, i] as const);
const envModels = environments.flatMap((env) => models.map(([model, i]) => [env, model, i] as const));
/** A GPU instance type (ml.g*, ml.p* are GPU by the SageMaker SDK's rule) and a CPU one. */
const GPU = 'ml.g5.xlarge';
const CPU = 'ml.m5.xlarge';

/** `input` with `override` as model's compute in env (merged into what is there). */
function override(input: any, env: string, model: string, fields: Record<string, unknown>): any {
  const training = input.environments[env].training;
  training.models = { ...training.models, [model]: { ...training.models?.[model], ...fields } };
  return input;
}
/** The same override in staging and prod too when env is one of them (staging mirrors prod's types). */
function overrideMirrored(input: any, env: string, model: string, fields: Record<string, unknown>): any {
  const mirrored = ['staging', 'prod'].includes(env) ? ['staging', 'prod'] : [env];
  for (const name of mirrored) if (input.environments[name]) override(input, name, model, fields);
  return input;
}
/** The committed configuration with its first model replaced by a PyTorch one, `only`. */
function withPytorch(version: string, distribution: string): any {
  const input = configInput() as any;
  input.models = [
    { ...input.models[0], name: 'only', framework: { name: 'pytorch', version }, distribution },
  ];
  return input;
}
/** Every environment's jobs on a GPU type (PyTorch's GPU training image runs its processing jobs too). */
function allOnGpu(input: any): any {
  for (const env of Object.values(input.environments) as any[]) {
    env.training.instanceType = GPU;
    env.training.processingInstanceType = GPU;
  }
  return input;
}

test.each(envModels)('%s/%s: an override replaces only the fields it sets', (env, model) => {
  const input = override(configInput(), env, model, { instanceCount: 1, spot: { maxWaitMinutes: 999 } });
  const settings = loadConfig(input).environments.find((e) => e.name === env)!;
  const compute = effectiveTraining(settings, model);
  expect(compute.spot.maxWaitMinutes).toBe(999);
  expect(compute.source['spot.maxWaitMinutes']).toEqual([
    'training',
    'models',
    model,
    'spot',
    'maxWaitMinutes',
  ]);
  expect(compute.source.instanceCount).toEqual(['training', 'models', model, 'instanceCount']);
  expect([
    compute.instanceType,
    compute.spot.enabled,
    compute.maxRuntimeMinutes,
    compute.volumeSizeGb,
  ]).toEqual([
    settings.training.instanceType,
    settings.training.spot.enabled,
    settings.training.maxRuntimeMinutes,
    settings.training.volumeSizeGb,
  ]);
  for (const field of ['instanceType', 'maxRuntimeMinutes', 'volumeSizeGb', 'spot.enabled'] as const) {
    expect(compute.source[field]).toEqual(['training', ...field.split('.')]);
  }
  expect(MODEL_COMPUTE_FIELDS).toContain('spot.maxWaitMinutes');
});

describe('rule 1: a GPU type with a CPU-only image, on the effective type', () => {
  const cpuOnly = envModels.filter(([, model]) => {
    const facts = frameworkFacts(committed.models.find((m) => m.name === model)!.framework)!;
    return !facts.processors.includes('gpu');
  });
  test('some configured model has a CPU-only image', () => expect(cpuOnly.length).toBeGreaterThan(0));
  test.each(cpuOnly)('%s/%s: refused at the override', (env, model) => {
    const facts = frameworkFacts(committed.models.find((m) => m.name === model)!.framework)!;
    expect(problemsOf(overrideMirrored(configInput(), env, model, { instanceType: GPU }))).toContain(
      `${env}.training.models.${model}.instanceType: ${GPU} is a GPU instance type, but model ${model}'s image (${facts.what}) runs on CPU instances only`,
    );
  });
});

test.each(envModels)(
  'rule 2, %s/%s: two instances with distribution none are refused at the override',
  (env, model, i) => {
    expect(committed.models[i].distribution).toBe('none');
    const problems = problemsOf(override(configInput(), env, model, { instanceCount: 2 }));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${env}\\.training\\.models\\.${model}\\.instanceCount: is 2, but model ${model} declares no distribution \\(models\\[${i}\\]\\.distribution is 'none'\\)`,
        ),
      ),
    ]);
  },
);

test.each(models)('rule 3, %s: a distribution its framework does not offer is refused', (model, i) => {
  const facts = frameworkFacts(committed.models[i].framework)!;
  const foreign = TRAINING_DISTRIBUTIONS.filter((d) => d !== 'none' && !facts.distributions.includes(d));
  expect(foreign.length).toBeGreaterThan(0);
  for (const distribution of foreign) {
    const input = configInput() as any;
    input.models[i].distribution = distribution;
    expect(problemsOf(input)).toContain(
      `models.${i}.distribution: '${distribution}' is not a distribution model ${model}'s framework (${facts.what}) offers (it offers ${facts.distributions.length ? `only ${facts.distributions.map((d) => `'${d}'`).join(', ')}` : 'none'})`,
    );
  }
});

test('rule 3: xgboost_rabit with sklearn names the model and the field', () => {
  const input = configInput() as any;
  const i = input.models.findIndex((m: any) => m.framework.name === 'sklearn');
  input.models[i].distribution = 'xgboost_rabit';
  expect(problemsOf(input)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^models\\.${i}\\.distribution: 'xgboost_rabit' is not a distribution model ${input.models[i].name}'s framework \\(sklearn`,
      ),
    ),
  ]);
});

describe('rules 4 and 5: the PyTorch launchers need a GPU type and a version that has them', () => {
  test.each(environments)('%s: torch_distributed on a CPU type is refused at the override', (env) => {
    const input = overrideMirrored(allOnGpu(withPytorch('2.3', 'torch_distributed')), env, 'only', {
      instanceType: CPU,
    });
    const problems = problemsOf(input).filter((p) => p.startsWith(`${env}.`));
    expect(problems).toContain(
      `${env}.training.models.only.instanceType: model only's distribution torch_distributed runs on GPU (or Trainium) instances only (sagemaker-python-sdk fw_utils), not ${CPU}`,
    );
    // The only other: the CPU training type chooses the CPU image variant, which GPU processing cannot run.
    expect(problems.filter((p) => !p.startsWith(`${env}.training.processingInstanceType: `))).toHaveLength(1);
  });

  test.each(environments)('%s: pytorchddp on a CPU type is refused', (env) => {
    const input = overrideMirrored(withPytorch('2.3', 'pytorchddp'), env, 'only', { instanceCount: 2 });
    expect(problemsOf(input)).toContain(
      `${env}.training.instanceType: model only's distribution pytorchddp runs on GPU instances only, not ${committed.environments.find((e) => e.name === env)!.training.instanceType}`,
    );
  });

  test('torch_distributed with PyTorch 2.4 (2.4.0, which the SDK does not list) is refused at the version', () => {
    expect(TORCH_DISTRIBUTED_GPU_VERSIONS).not.toContain('2.4.0');
    expect(problemsOf(allOnGpu(withPytorch('2.4', 'torch_distributed')))).toEqual([
      `models.0.framework.version: '2.4' (model only, distribution torch_distributed): 2.4.0 is not a PyTorch version torch_distributed supports on GPU (${TORCH_DISTRIBUTED_GPU_VERSIONS.join(', ')})`,
    ]);
  });

  test('torch_distributed with a version the SDK lists, on GPU types, with two instances, is accepted', () => {
    const input = allOnGpu(withPytorch('2.3', 'torch_distributed'));
    for (const env of environments) override(input, env, 'only', { instanceCount: 2 });
    expect(problemsOf(input)).toEqual([]);
  });

  test('pytorchddp with PyTorch 1.11 is refused at the version', () => {
    expect(problemsOf(allOnGpu(withPytorch('1.11', 'pytorchddp')))).toEqual([
      "models.0.framework.version: '1.11' (model only, distribution pytorchddp): 1.11.0 is older than PyTorch 1.12, the first with pytorchddp",
    ]);
  });
});

describe('rule 6: spot maxWait below maxRuntime, on the effective values', () => {
  test.each(envModels)('%s/%s: an override wait below the runtime is refused at the wait', (env, model) => {
    const settings = committed.environments.find((e) => e.name === env)!;
    const runtime = settings.training.maxRuntimeMinutes;
    const input = override(configInput(), env, model, {
      spot: { enabled: true, maxWaitMinutes: runtime - 1 },
    });
    expect(problemsOf(input)).toEqual([
      `${env}.training.models.${model}.spot.maxWaitMinutes: must be at least training.maxRuntimeMinutes (${runtime}) for model ${model}: its spot wait includes the runtime`,
    ]);
  });

  test.each(envModels)(
    '%s/%s: an override runtime above the wait is refused at the runtime',
    (env, model) => {
      const settings = committed.environments.find((e) => e.name === env)!;
      const wait = settings.training.spot.maxWaitMinutes;
      const input = override(configInput(), env, model, {
        spot: { enabled: true },
        maxRuntimeMinutes: wait + 1,
      });
      expect(problemsOf(input)).toEqual([
        `${env}.training.models.${model}.maxRuntimeMinutes: is ${wait + 1}, above model ${model}'s spot wait (training.spot.maxWaitMinutes: ${wait}), which includes the runtime: at most ${wait}, or a longer training.models.${model}.spot.maxWaitMinutes`,
      ]);
    },
  );

  test.each(environments)(
    "%s: the environment's own wait below its runtime is one line, not one per model",
    (env) => {
      const input = configInput() as any;
      const training = input.environments[env].training;
      training.spot = { enabled: true, maxWaitMinutes: training.maxRuntimeMinutes - 1 };
      expect(problemsOf(input)).toEqual([
        `${env}.training.spot.maxWaitMinutes: must be at least training.maxRuntimeMinutes (${training.maxRuntimeMinutes})`,
      ]);
    },
  );
});

test.each(environments)(
  'rule 7, %s: an override of a model that does not exist is refused, listing the models',
  (env) => {
    const input = override(configInput(), env, 'nosuchmodel', { instanceCount: 1 });
    expect(problemsOf(input)).toEqual([
      `${env}.training.models.nosuchmodel: 'nosuchmodel' is not a model (models: ${committed.models.map((m) => m.name).join(', ')})`,
    ]);
  },
);

describe("rule 8: staging's effective training type is prod's; counts may differ", () => {
  const mirrored = environments.includes('staging') && environments.includes('prod');
  test('the configuration has staging and prod', () => expect(mirrored).toBe(true));

  test.each(models)('%s: a staging override of another type is refused at the override', (model) => {
    const prod = committed.environments.find((e) => e.name === 'prod')!;
    const other = 'ml.m5.2xlarge';
    expect(prod.training.instanceType).not.toBe(other);
    const input = override(configInput(), 'staging', model, { instanceType: other });
    expect(problemsOf(input)).toEqual([
      `staging.training.models.${model}.instanceType: must be prod's for model ${model} (${prod.training.instanceType}, prod.training.instanceType): staging mirrors prod, only counts may differ`,
    ]);
  });

  test.each(models)('%s: a prod override is mirrored by staging, or staging is refused', (model) => {
    const input = override(configInput(), 'prod', model, { instanceType: 'ml.m5.2xlarge' });
    const staging = committed.environments.find((e) => e.name === 'staging')!;
    expect(problemsOf(input)).toEqual([
      `staging.training.instanceType: must be prod's for model ${model} (ml.m5.2xlarge, prod.training.models.${model}.instanceType): staging mirrors prod, only counts may differ`,
    ]);
    expect(staging.training.instanceType).not.toBe('ml.m5.2xlarge');
    override(input, 'staging', model, { instanceType: 'ml.m5.2xlarge' });
    expect(problemsOf(input)).toEqual([]);
  });
});

test('a custom image declared distributed (deprecated) is distribution custom, and may use two instances', () => {
  const input = configInput() as any;
  const uris = Object.fromEntries(
    Object.values(input.environments as Record<string, any>).map((env) => [
      env.region,
      `${env.account}.dkr.ecr.${env.region}.amazonaws.com/team-model:1`,
    ]),
  );
  input.models = [
    {
      ...input.models[0],
      name: 'only',
      framework: { name: 'custom', processor: 'cpu', imageUris: uris, distributed: true },
    },
  ];
  for (const env of environments) override(input, env, 'only', { instanceCount: 2 });
  const config = loadConfig(input);
  expect(modelDistribution(config.models[0])).toBe('custom');
});
