import { ConfigError, loadConfig, SERVING_MODES } from '../../config';
import { configInput } from '../support/config-fixtures';

/**
 * The serving knobs of issue 31: a model's serving mode, each environment's batch, asynchronous
 * and shadow sizes, and its model-quality monitoring. Each bad value is refused in one line that
 * names the environment (or model) and the field.
 */

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

describe('a model serving mode', () => {
  it.each(SERVING_MODES)('%s is accepted for every model', (mode) => {
    const input: any = configInput();
    for (const model of input.models) model.serving = { mode };
    expect(problemsOf(input)).toEqual([]);
  });

  it('defaults to a real-time endpoint', () => {
    const input: any = configInput();
    for (const model of input.models) delete model.serving;
    expect(loadConfig(input).models.map((m) => m.serving.mode)).toEqual(input.models.map(() => 'endpoint'));
  });

  it('refuses an unknown mode in one line naming the model', () => {
    const input: any = configInput();
    input.models[0].serving = { mode: 'stream' };
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/models\.0\.serving\.mode/);
    for (const mode of SERVING_MODES) expect(problems[0]).toContain(`'${mode}'`);
  });
});

describe.each(environments)('the serving knobs of %s', (env) => {
  const bad: Array<[string, string[], unknown, RegExp]> = [
    ['a batch instance count of 0', ['batch', 'instanceCount'], 0, /at least 1/],
    ['a batch payload above SageMaker’s 100 MB', ['batch', 'maxPayloadMb'], 101, /at most 100/],
    [
      'a batch schedule that is no EventBridge expression',
      ['batch', 'schedule'],
      'daily',
      /rate\(\.\.\.\) or cron/,
    ],
    ['a batch instance type that is no ml. type', ['batch', 'instanceType'], 'm5.large', /ml\./],
    ['no asynchronous instance at most', ['async', 'maxInstances'], 0, /at least 1/],
    ['a shadow share above 100 %', ['shadow', 'samplingPercent'], 101, /at most 100/],
  ];
  it.each(bad)('refuses %s in one line naming the field', (_what, path, value, message) => {
    const input: any = configInput();
    let target = input.environments[env].serving;
    for (const key of path.slice(0, -1)) target = target[key] ??= {};
    target[path.at(-1)!] = value;
    // (A bad staging or prod type is also not the other's: the mirror rule may say so too.)
    const problems = problemsOf(input).filter((p) => !p.includes('staging mirrors prod'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${env}.serving.${path.join('.')}`);
    expect(problems[0]).toMatch(message);
  });

  it("refuses batch requests whose concurrency times payload exceed SageMaker's 100 MB, in one line", () => {
    const input: any = configInput();
    input.environments[env].serving.batch = {
      ...input.environments[env].serving.batch,
      maxConcurrentTransforms: 17,
      maxPayloadMb: 6,
    };
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${env}.serving.batch.maxConcurrentTransforms`);
    expect(problems[0]).toContain('17 × 6 MB');
    input.environments[env].serving.batch.maxConcurrentTransforms = 16; // 96 MB
    expect(problemsOf(input)).toEqual([]);
  });

  it('refuses a model-quality schedule that is no cron expression (Model Monitor takes no rate)', () => {
    const input: any = configInput();
    input.environments[env].monitoring.modelQuality = { schedule: 'rate(1 hour)', retrain: false };
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${env}.monitoring.modelQuality.schedule`);
  });
});

describe('staging mirrors prod', () => {
  it("refuses a staging batch instance type that is not prod's", () => {
    const input: any = configInput();
    if (!input.environments.staging || !input.environments.prod) return;
    const prodType = loadConfig(input).environments.find((e) => e.name === 'prod')!.serving.batch
      .instanceType;
    input.environments.staging.serving.batch = {
      ...input.environments.staging.serving.batch,
      instanceType: prodType === 'ml.c5.xlarge' ? 'ml.c5.2xlarge' : 'ml.c5.xlarge',
    };
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/staging\.serving\.batch\.instanceType.*prod's/);
  });
});
