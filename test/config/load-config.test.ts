import { join } from 'node:path';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { KNOWN_IMAGE_REGIONS } from '../../constructs/training/framework-image';
import {
  ConfigError,
  type EnvironmentConfig,
  loadConfig,
  PIN_FILE_CONTEXT_PREFIX,
  PIN_FILE_OVERRIDABLE,
} from '../../config';
import { deploymentsDir, modelPin } from '../support/pins';
import { configInput, unusedEnvironmentName } from '../support/config-fixtures';

function problemsOf(
  input: unknown,
  context?: Record<string, unknown>,
  pins?: Record<string, unknown>,
): readonly string[] {
  try {
    loadConfig(input, { context, deploymentsDir: pins && deploymentsDir(pins) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  test('accepts the committed configuration and derives stage ids', () => {
    const input = configInput();
    const config = loadConfig(input);
    // In the configuration's order; the stage id is the name capitalized (`npx cdk deploy 'Staging/*'`).
    expect(config.environments.map((e) => [e.name, e.stageId])).toEqual(
      Object.keys(input.environments).map((name) => [name, name[0].toUpperCase() + name.slice(1)]),
    );
    expect(config.reference).toBe('prod');
  });

  test('a bad account names the environment and field', () => {
    const input = configInput();
    input.environments.dev.account = '1234';
    expect(problemsOf(input)).toEqual(['dev.account: must be a 12-digit AWS account id']);
  });

  test.each(['/etc/passwd', '../outside/etl.py', 'ml/../../x.py'])(
    "a model's data pipeline code must be inside the project: %s is refused",
    (path) => {
      const input = configInput();
      const models = (input as unknown as { models: Array<Record<string, unknown>> }).models;
      models[0].dataPipeline = { etlScript: path };
      expect(problemsOf(input)).toEqual([
        `models.0.dataPipeline.etlScript: must be a path relative to the project root, without ..`,
      ]);
    },
  );

  test.each([
    [{ workerType: 'G.16X', numberOfWorkers: 2 }, 'data.workerType: must be one of G.1X, G.2X, G.4X, G.8X'],
    [
      { workerType: 'G.1X', numberOfWorkers: 1 },
      'data.numberOfWorkers: must be at least 2 (Glue needs a driver and a worker)',
    ],
  ])('the data pipeline sizes %j are refused', (data, message) => {
    const input = configInput();
    input.environments.dev.data = data as never;
    expect(problemsOf(input)).toEqual([`dev.${message}`]);
  });

  test.each([
    [{ server: 'self-hosted' }, "tracking.server: must be 'managed' or 'none'"],
    [{ size: 'XLarge' }, 'tracking.size: must be one of Small, Medium, Large'],
    [
      { maintenanceWindow: 'Sunday 03:00' },
      'tracking.maintenanceWindow: must be Day:HH:MM (UTC), e.g. Sun:03:00',
    ],
    [
      { maintenanceWindow: 'Sun:24:00' },
      'tracking.maintenanceWindow: must be Day:HH:MM (UTC), e.g. Sun:03:00',
    ],
    [{ sever: 'none' }, 'tracking.sever: unknown field'],
  ])('the experiment tracking settings %j are refused', (tracking, message) => {
    const input = configInput();
    input.environments.staging.tracking = tracking as never;
    expect(problemsOf(input)).toEqual([`staging.${message}`]);
  });

  test('an environment that says nothing of tracking gets a managed Small server, patched Sundays', () => {
    const input = configInput();
    const [name] = Object.keys(input.environments);
    delete input.environments[name].tracking;
    const env = loadConfig(input).environments.find((e) => e.name === name)!;
    expect(env.tracking).toEqual({ server: 'managed', size: 'Small', maintenanceWindow: 'Sun:03:00' });
  });

  test('a bad region names the environment and field', () => {
    const input = configInput();
    input.environments.staging.region = 'mars-north-1';
    expect(problemsOf(input)).toEqual(['staging.region: must be a known AWS region, for example eu-west-1']);
  });

  test('prod may not destroy its data', () => {
    const input = configInput();
    input.environments.prod.removalPolicy = 'destroy';
    expect(problemsOf(input)).toEqual(["prod.removalPolicy: must be 'retain' outside local and dev"]);
  });

  test('a missing field is named', () => {
    const input = configInput();
    delete input.environments.staging.logRetentionDays;
    expect(problemsOf(input)).toEqual(['staging.logRetentionDays: is required']);
  });

  test('an unknown knob is refused', () => {
    const input = configInput();
    input.environments.dev.gpuCount = 4;
    expect(problemsOf(input)).toEqual(['dev.gpuCount: unknown knob']);
  });

  test('every problem is listed in one error', () => {
    const input = configInput();
    input.environments.dev.account = 'abc';
    input.environments.prod.removalPolicy = 'destroy';
    input.environments.prod.logRetentionDays = 42;
    input.environments.staging.alertEmails = ['not-an-address'];
    const run = () => loadConfig(input);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/Invalid mlenv configuration \(4 problems\)/);
    expect(problemsOf(input)).toEqual(
      expect.arrayContaining([
        'dev.account: must be a 12-digit AWS account id',
        "prod.removalPolicy: must be 'retain' outside local and dev",
        expect.stringMatching(/^prod\.logRetentionDays: must be one of 1, 3, 5, .*3653$/),
        'staging.alertEmails.0: must be an e-mail address',
      ]),
    );
  });

  test('a configuration without prod is refused', () => {
    const input = configInput() as ReturnType<typeof configInput> & {
      promotion: string[];
      delivery: { order: string[] };
    };
    delete input.environments.prod;
    expect(problemsOf(input)).toEqual([
      `delivery.order.${input.delivery.order.indexOf('prod')}: 'prod' is not an environment (environments: ${Object.keys(input.environments).join(', ')})`,
      'prod: is required: prod is the reference the other environments are checked against',
      `promotion.${input.promotion.indexOf('prod')}: 'prod' is not an environment (environments: ${Object.keys(input.environments).join(', ')})`,
    ]);
  });

  test('each environment of the promotion order is read by the next one only, and promoted into from the one before it only', () => {
    const config = loadConfig(configInput());
    const byName = Object.fromEntries(config.environments.map((e) => [e.name, e]));
    const where = (n: string) => ({ name: n, account: byName[n].account, region: byName[n].region });
    expect(config.promotion.length).toBeGreaterThan(1);
    config.promotion.forEach((name, i) => {
      const next = config.promotion.slice(i + 1, i + 2);
      const previous = config.promotion.slice(Math.max(0, i - 1), i);
      expect({
        name,
        readers: byName[name].promotionReaders,
        sources: byName[name].promotionSources,
      }).toEqual({
        name,
        readers: next.filter((n) => byName[n].account !== byName[name].account).map(where),
        sources: previous.map(where),
      });
    });
    // Environments outside the order (local) share nothing, and nobody reads from them.
    for (const env of config.environments.filter((e) => !config.promotion.includes(e.name))) {
      expect(env.promotionReaders).toEqual([]);
      expect(env.promotionSources).toEqual([]);
      for (const other of config.environments)
        expect(other.promotionReaders.map((r) => r.account)).not.toContain(env.account);
    }
  });

  test('the promotion order names cloud environments, each once', () => {
    const input = configInput() as ReturnType<typeof configInput> & { promotion?: string[] };
    const unknown = unusedEnvironmentName(input);
    input.promotion = ['local', 'dev', unknown, 'dev', 'prod'];
    expect(problemsOf(input)).toEqual([
      "promotion.0: 'local' runs in an emulator: its models cannot be promoted, nor may a cloud environment trust its account",
      `promotion.2: '${unknown}' is not an environment (environments: ${Object.keys(input.environments).join(', ')})`,
      "promotion.3: 'dev' is listed twice",
    ]);
  });

  describe('refuses at load what would fail later', () => {
    const input = () => configInput() as Record<string, any>;
    /** The first environment of the configuration and its key in `environments`. */
    const firstEnvironment = (config: Record<string, any>) => Object.keys(config.environments)[0];
    /** A known region in no image table (constructs/training/framework-image.ts). */
    const regionWithoutImages = RegionInfo.regions
      .map((r) => r.name)
      .find((r) => !Object.values(KNOWN_IMAGE_REGIONS).some((regions) => regions.includes(r)))!;

    test('a region without a known image names the environment, model, region and the field to set', () => {
      const config = input();
      const env = firstEnvironment(config);
      config.environments[env].region = regionWithoutImages;
      const problems = problemsOf(config);
      config.models.forEach((model: { name: string }, i: number) => {
        for (const field of ['imageUris', 'monitorImageUris']) {
          expect(problems).toContainEqual(
            expect.stringMatching(
              new RegExp(
                `^${env}\\.region: no .* image is known for ${regionWithoutImages} \\(model ${model.name}\\): ` +
                  `set models\\[${i}\\]\\.framework\\.${field}\\['${regionWithoutImages}'\\]`,
              ),
            ),
          );
        }
      });
    });

    test('images given for that region are used there and only there', () => {
      const config = input();
      const env = firstEnvironment(config);
      config.environments[env].region = regionWithoutImages;
      const uri = (repo: string) => `123456789012.dkr.ecr.${regionWithoutImages}.amazonaws.com/${repo}:1.2-1`;
      for (const model of config.models) {
        model.framework.imageUris = { [regionWithoutImages]: uri('sklearn') };
        model.framework.monitorImageUris = { [regionWithoutImages]: uri('monitor') };
      }
      expect(loadConfig(config).environments.map((e) => e.region)).toContain(regionWithoutImages);
    });

    test('an image given for a region must be in that region', () => {
      const config = input();
      config.models[0].framework.imageUris = {
        'eu-west-1': `123456789012.dkr.ecr.${regionWithoutImages}.amazonaws.com/sklearn:1.2-1`,
      };
      expect(problemsOf(config)).toEqual([
        `models.0.framework.imageUris.eu-west-1: is an image in ${regionWithoutImages}, not eu-west-1: jobs pull images from their own region`,
      ]);
    });

    test.each([
      ['a metric the evaluation never writes', { metric: 'rmse' }, undefined],
      ['a problem type the evaluation never writes', {}, 'regression'],
    ])('a quality gate on %s', (_what, gate, problemType) => {
      const config = input();
      Object.assign(config.models[0].qualityGate, gate);
      if (problemType) config.models[0].problemType = problemType;
      delete config.models[0].tuning; // its objective is a metric too: told apart in the tuning tests
      expect(problemsOf(config)).toEqual([
        expect.stringMatching(/^models\.0\.(qualityGate\.metric|problemType): .*(evaluat)/),
      ]);
    });

    test('a project name that makes a derived name too long names the name, its length and the limit', () => {
      const config = input();
      config.project = 'a'.repeat(30); // passes the project pattern on its own
      const problems = problemsOf(config);
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) {
        expect(problem).toMatch(
          /^[a-z0-9]+: the .* name '[^']+' is (\d+) characters, over AWS's limit of (\d+)/,
        );
        const [, name, length, limit] = /name '([^']+)' is (\d+) characters, over AWS's limit of (\d+)/.exec(
          problem,
        )!;
        expect(name.length).toBe(Number(length));
        expect(Number(length)).toBeGreaterThan(Number(limit));
      }
    });
  });

  describe("a pin must name a package of the environment's own registry", () => {
    const committed = loadConfig(configInput());
    const model = committed.models[0].name;
    /** The problems of a configuration whose `env` pins `model` to `arn`. */
    const pinned = (env: string, arn: string) =>
      problemsOf(configInput(), undefined, {
        [env]: { [model]: { ...modelPin(env, model), modelPackageArn: arn } },
      });
    const ownArn = (env: EnvironmentConfig) =>
      `arn:aws:sagemaker:${env.region}:${env.account}:model-package/${committed.project}-${env.name}-${model}/3`;

    test.each(committed.environments.map((e) => [e.name, e] as const))(
      '%s: its own package is accepted',
      (_n, env) => {
        expect(() =>
          loadConfig(configInput(), {
            deploymentsDir: deploymentsDir({ [env.name]: { [model]: modelPin(env.name, model) } }),
          }),
        ).not.toThrow();
        expect(modelPin(env.name, model).modelPackageArn).toBe(ownArn(env));
      },
    );

    test.each(committed.environments.map((e) => [e.name, e] as const))(
      "%s: another environment's account, an unknown account, another region or another model's group is refused",
      (_n, env) => {
        const other = committed.environments.find((e) => e.account !== env.account)!;
        const otherRegion =
          committed.environments.find((e) => e.region !== env.region)?.region ?? 'ap-southeast-2';
        const cases: Array<[string, string]> = [
          [ownArn(env).replace(`:${env.account}:`, `:${other.account}:`), `account ${other.account}`],
          [ownArn(env).replace(`:${env.account}:`, ':999999999999:'), 'account 999999999999'],
          [ownArn(env).replace(`:${env.region}:`, `:${otherRegion}:`), `region ${otherRegion}`],
          [
            ownArn(env).replace(`-${model}/3`, `-${model}x/3`),
            `package group ${committed.project}-${env.name}-${model}x`,
          ],
        ];
        for (const [arn, named] of cases) {
          expect(pinned(env.name, arn)).toEqual([
            `deployments/${env.name}.json: ${model}.modelPackageArn: names ${named}, not ${env.name}'s own (${
              named.startsWith('account')
                ? env.account
                : named.startsWith('region')
                  ? env.region
                  : `${committed.project}-${env.name}-${model}`
            }): pin a package of ${env.name}'s registry (promote the package there first)`,
          ]);
        }
      },
    );
  });

  test('an environment that shares its account with a later one grants itself nothing', () => {
    const input = configInput() as ReturnType<typeof configInput> & { promotion: string[] };
    const [first, second] = input.promotion;
    input.environments[second].account = input.environments[first].account as string;
    const config = loadConfig(input);
    expect(
      config.environments.find((e) => e.name === first)?.promotionReaders.map((r) => r.account),
    ).not.toContain(input.environments[first].account);
  });

  test('an environment added to the configuration needs no code change', () => {
    const input = configInput();
    const added = unusedEnvironmentName(input);
    input.environments[added] = { ...input.environments.staging, account: '444444444444' };
    const env = loadConfig(input).environments.find((e) => e.name === added);
    expect(env).toMatchObject({
      stageId: added[0].toUpperCase() + added.slice(1),
      account: '444444444444',
      removalPolicy: 'retain',
    });
  });

  describe('account overrides from CDK context', () => {
    test('replace the committed account', () => {
      const config = loadConfig(configInput(), { context: { 'mlenv:account:prod': '999999999999' } });
      expect(config.environments.find((e) => e.name === 'prod')?.account).toBe('999999999999');
    });

    test('are validated like the rest', () => {
      expect(problemsOf(configInput(), { 'mlenv:account:prod': '99' })).toEqual([
        'prod.account: must be a 12-digit AWS account id',
      ]);
    });

    test('for an environment that does not exist are refused', () => {
      const unknown = unusedEnvironmentName(configInput());
      expect(problemsOf(configInput(), { [`mlenv:account:${unknown}`]: '999999999999' })).toEqual([
        `context mlenv:account:${unknown}: there is no environment named '${unknown}'`,
      ]);
    });
  });

  describe('a pins file from CDK context (mlenv:pins:<env>)', () => {
    const overridable = (input: ReturnType<typeof configInput>) =>
      Object.keys(input.environments).filter((name) => PIN_FILE_OVERRIDABLE.includes(name));

    test("replaces the environment's deployments file, validated like it", () => {
      const input = configInput();
      expect(overridable(input).length).toBeGreaterThan(0);
      for (const name of overridable(input)) {
        const model = loadConfig(input).models[0].name;
        const file = join(
          deploymentsDir({ [name]: { [model]: modelPin(name, model, { version: 7 }) } }),
          `${name}.json`,
        );
        const config = loadConfig(input, { context: { [`${PIN_FILE_CONTEXT_PREFIX}${name}`]: file } });
        expect(config.environments.find((e) => e.name === name)?.deployments[model].modelPackageArn).toMatch(
          /\/7$/,
        );
        const other = unusedEnvironmentName(input);
        const foreign = join(
          deploymentsDir({ [name]: { [model]: modelPin(name, model, { account: '999999999999' }) } }),
          `${name}.json`,
        );
        expect(problemsOf(input, { [`${PIN_FILE_CONTEXT_PREFIX}${name}`]: foreign })).toEqual([
          expect.stringContaining(`${model}.modelPackageArn`),
        ]);
        expect(problemsOf(input, { [`${PIN_FILE_CONTEXT_PREFIX}${name}`]: join(file, other) })).toEqual([
          `${join(file, other)}: no such file`,
        ]);
      }
    });

    test('is refused for every environment whose pins git records', () => {
      const input = configInput();
      const audited = Object.keys(input.environments).filter((name) => !PIN_FILE_OVERRIDABLE.includes(name));
      expect(audited.length).toBeGreaterThan(0);
      for (const name of audited) {
        expect(problemsOf(input, { [`${PIN_FILE_CONTEXT_PREFIX}${name}`]: '/tmp/pins.json' })).toEqual([
          expect.stringMatching(
            new RegExp(
              `^context ${PIN_FILE_CONTEXT_PREFIX}${name}: only .* may take its pins from another file`,
            ),
          ),
        ]);
      }
    });
  });

  describe('training knobs and models', () => {
    const training = (input: ReturnType<typeof configInput>, env: string) =>
      input.environments[env].training as Record<string, unknown> & { spot: Record<string, unknown> };
    const model = (input: ReturnType<typeof configInput>) =>
      (input as unknown as { models: Record<string, any>[] }).models[0];

    test('an instance type must be a SageMaker one', () => {
      const input = configInput();
      training(input, 'dev').instanceType = 'm5.large';
      expect(problemsOf(input)).toEqual([
        "dev.training.instanceType: must be a SageMaker instance type starting with 'ml.', e.g. ml.m5.large",
      ]);
    });

    test('a quality gate threshold must be a number', () => {
      const input = configInput();
      model(input).qualityGate.threshold = '0.9';
      expect(problemsOf(input)).toEqual(['models.0.qualityGate.threshold: must be a number']);
    });

    test('a quality gate operator must be a comparison', () => {
      const input = configInput();
      model(input).qualityGate.operator = '=';
      expect(problemsOf(input)).toEqual([
        "models.0.qualityGate.operator: must be one of '>=', '>', '<=', '<'",
      ]);
    });

    test('only local and dev may approve models without a person', () => {
      const input = configInput();
      training(input, 'staging').approvalStatus = 'Approved';
      expect(problemsOf(input)).toEqual([
        "staging.training.approvalStatus: must be 'PendingManualApproval' outside local and dev: a person approves models there",
      ]);
    });

    test('spot training must be allowed to wait at least as long as it runs', () => {
      const input = configInput();
      Object.assign(training(input, 'dev'), { maxRuntimeMinutes: 120 });
      training(input, 'dev').spot = { enabled: true, maxWaitMinutes: 60 };
      expect(problemsOf(input)).toEqual([
        'dev.training.spot.maxWaitMinutes: must be at least training.maxRuntimeMinutes (120)',
      ]);
    });

    test('a schedule must be an EventBridge expression', () => {
      const input = configInput();
      training(input, 'prod').schedule = { expression: 'every monday', enabled: true };
      expect(problemsOf(input)).toEqual([
        'prod.training.schedule.expression: must be an EventBridge schedule expression, rate(...) or cron(...)',
      ]);
    });

    test('a model name must fit in SageMaker job names, and be unique', () => {
      const input = configInput();
      const models = (input as unknown as { models: Record<string, any>[] }).models;
      const n = models.length;
      models.push({ ...models[0] }, { ...models[0], name: 'a-name-that-is-far-too-long' });
      expect(problemsOf(input)).toEqual([
        `models.${n + 1}.name: must be 1-18 lowercase letters, digits and -, starting with a letter`,
        `models.${n}.name: '${models[0].name}' is used by another model`,
      ]);
    });

    test('an unknown training knob is refused', () => {
      const input = configInput();
      training(input, 'dev').gpus = 8;
      expect(problemsOf(input)).toEqual(['dev.training.gpus: unknown field']);
    });
  });

  describe('serving knobs', () => {
    const serving = (input: ReturnType<typeof configInput>, env: string) =>
      input.environments[env].serving as Record<string, any>;

    test.each([
      [0, 'must be at least 1 day'],
      [1.5, 'must be a whole number of days'],
      ['30', 'must be a number of days'],
    ])(
      'a capture retention of %p days is refused in every environment, naming it and the field',
      (days, why) => {
        const input = configInput();
        for (const env of Object.keys(input.environments)) serving(input, env).captureRetentionDays = days;
        expect(problemsOf(input)).toEqual(
          Object.keys(input.environments).map((env) => `${env}.serving.captureRetentionDays: ${why}`),
        );
      },
    );

    test('an environment that says nothing of capture retention keeps captures 30 days', () => {
      const input = configInput();
      const env = Object.keys(input.environments)[0];
      delete serving(input, env).captureRetentionDays;
      const loaded = loadConfig(input).environments.find((e) => e.name === env);
      expect(loaded?.serving.captureRetentionDays).toBe(30);
    });

    test('serverless with data capture is refused', () => {
      const input = configInput();
      serving(input, 'dev').dataCapturePercent = 10;
      expect(problemsOf(input)).toEqual([
        'dev.serving.dataCapturePercent: must be 0 with a serverless variant: serverless endpoints support no data capture',
      ]);
    });

    test('a minimum above the maximum is refused', () => {
      const input = configInput();
      serving(input, 'staging').autoscaling = {
        minInstances: 3,
        maxInstances: 2,
        targetInvocationsPerInstance: 100,
      };
      expect(problemsOf(input)).toEqual(
        expect.arrayContaining([
          'staging.serving.autoscaling.minInstances: must not be above autoscaling.maxInstances (2)',
        ]),
      );
    });

    test('prod must run at least 2 instances, on instances', () => {
      const input = configInput();
      Object.assign(serving(input, 'prod'), {
        initialInstanceCount: 1,
        autoscaling: { minInstances: 1, maxInstances: 4, targetInvocationsPerInstance: 100 },
      });
      expect(problemsOf(input)).toEqual([
        'prod.serving.initialInstanceCount: must be at least 2 in prod',
        'prod.serving.autoscaling.minInstances: must be at least 2 in prod',
      ]);
      const serverless = configInput();
      serving(serverless, 'prod').kind = 'serverless';
      serving(serverless, 'staging').kind = 'serverless';
      serving(serverless, 'staging').dataCapturePercent = 0;
      serving(serverless, 'prod').dataCapturePercent = 0;
      expect(problemsOf(serverless)).toEqual([
        "prod.serving.kind: must be 'instance' in prod: serverless has no blue/green rollout",
      ]);
    });

    test("staging must serve prod's variant kind and instance type; counts may differ", () => {
      const input = configInput();
      serving(input, 'staging').instanceType = 'ml.c5.large';
      expect(problemsOf(input)).toEqual([
        "staging.serving.instanceType: must be prod's (ml.m5.large): staging mirrors prod, only counts may differ",
      ]);
    });

    test('serverless memory must be a size SageMaker offers', () => {
      const input = configInput();
      serving(input, 'dev').serverless = { memorySizeMb: 1500, maxConcurrency: 10 };
      expect(problemsOf(input)).toEqual([
        'dev.serving.serverless.memorySizeMb: must be one of 1024, 2048, 3072, 4096, 5120, 6144',
      ]);
    });
  });

  test('only local and dev may run without a VPC', () => {
    const input = configInput();
    input.environments.staging.network = 'none';
    expect(problemsOf(input)).toEqual(["staging.network: must be 'vpc' outside local and dev"]);
  });
});
