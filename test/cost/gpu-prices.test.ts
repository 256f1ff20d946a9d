import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { EnvironmentConfig } from '../../config';
import { instanceProcessor } from '../../constructs';
import { INSTANCE_TYPE_FIELDS, unpricedInstanceTypes } from '../../lib/tools/cost/configured-instance-types';
import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import type { ListPrice, PriceTable, SageMakerUse } from '../../lib/tools/pricing/price-table';
import { NOT_PRICED, PRICE_TABLE } from '../../lib/tools/cost/prices';
import { costReport } from '../../lib/tools/cost/run';
import type { CfnTemplate } from '../../cfn/cfn-template';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const HOURS = PRICE_TABLE.hoursPerMonth;

/**
 * The instance types a team picks for training, processing and real-time hosting (issue 27): the
 * CPU ones and the GPU ones (families g* and p*) a GPU image (xgboost, pytorch, a custom gpu one)
 * trains and serves on.
 */
const SELECTABLE_TYPES = [
  'ml.m5.large',
  'ml.m5.xlarge',
  'ml.m5.2xlarge',
  'ml.m5.4xlarge',
  'ml.c5.xlarge',
  'ml.c5.2xlarge',
  'ml.g4dn.xlarge',
  'ml.g4dn.2xlarge',
  'ml.g4dn.12xlarge',
  'ml.g5.xlarge',
  'ml.g5.2xlarge',
  'ml.g5.12xlarge',
  'ml.p3.2xlarge',
  'ml.p3.8xlarge',
  'ml.p4d.24xlarge',
];
const GPU_TYPES = SELECTABLE_TYPES.filter((type) => /^ml\.[gp]/.test(type));

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every list price of the table, with the path that leads to it (`us-east-1 sagemakerTraining ml.g5.2xlarge`). */
function listPrices(value: unknown, path: string[] = []): Array<[string[], ListPrice]> {
  if (typeof value !== 'object' || value === null) return [];
  if ('usd' in value) return [[path, value as ListPrice]];
  return Object.entries(value).flatMap(([key, child]) => listPrices(child, [...path, key]));
}

test('every price of the table is in a named AWS region and names its date and its AWS source page', () => {
  const known = new Set(RegionInfo.regions.map((r) => r.name));
  for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
    expect(known).toContain(region);
    const entries = listPrices(prices, [region]);
    expect(entries.length).toBeGreaterThan(0);
    for (const [path, price] of entries) {
      const where = path.join(' ');
      expect({ where, source: price.source }).toEqual({
        where,
        source: expect.stringMatching(/^https:\/\/(aws\.amazon\.com|docs\.aws\.amazon\.com)\//),
      });
      expect({ where, asOf: price.asOf.trim() }).not.toEqual({ where, asOf: '' });
      expect(price.usd).toBeGreaterThanOrEqual(0);
    }
  }
  expect(PRICE_TABLE.spotTrainingDiscount.source).toMatch(/^https:\/\//);
  expect(PRICE_TABLE.spotTrainingDiscount.asOf).not.toEqual('');
});

test('a SageMaker instance price is per instance-hour, above 0, and one read from a quote of the pricing page says where and when', () => {
  for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
    for (const byType of [prices.sagemakerRealTime, prices.sagemakerTraining, prices.sagemakerProcessing]) {
      for (const [type, price] of Object.entries(byType)) {
        expect({ region, type, unit: price.unit }).toEqual({ region, type, unit: 'instance-hour' });
        expect(price.usd).toBeGreaterThan(0);
        expect(price.source).toBe('https://aws.amazon.com/sagemaker/pricing/');
        if (price.note?.includes('read in')) expect(price.note).toMatch(/stored copy read \d{4}-\d\d-\d\d/);
      }
    }
  }
});

test('each selectable GPU type is a GPU type, and each selectable type a region does not price for training is listed as not priced there, with the reason', () => {
  for (const type of GPU_TYPES) expect(instanceProcessor(type)).toBe('gpu');
  for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
    for (const type of SELECTABLE_TYPES.filter((t) => !prices.sagemakerTraining[t])) {
      const listed = NOT_PRICED.filter(
        (n) =>
          n.what.includes(region) && (n.what.includes(type) || n.what.startsWith('every type other than')),
      );
      expect({ region, type, listed: listed.length > 0 }).toEqual({ region, type, listed: true });
    }
  }
  for (const { why } of NOT_PRICED) expect(why).not.toEqual('');
});

/**
 * An environment's model as its stacks run it, by hand: an endpoint on `serving.instanceType`
 * (its initial instances) and a pipeline whose training job runs `training.instanceCount`
 * instances of `training.instanceType` for up to `training.maxRuntimeMinutes`.
 */
function modelTemplate(env: EnvironmentConfig): CfnTemplate {
  const definition = {
    StartAt: 'Train',
    States: {
      Train: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
        Parameters: {
          RoleArn: 'arn:aws:iam::111111111111:role/job',
          ResourceConfig: {
            InstanceType: env.training.instanceType,
            InstanceCount: env.training.instanceCount,
            VolumeSizeInGB: env.training.volumeSizeGb,
          },
          StoppingCondition: { MaxRuntimeInSeconds: env.training.maxRuntimeMinutes * 60 },
          ...(env.training.spot.enabled ? { EnableManagedSpotTraining: true } : {}),
        },
        End: true,
      },
    },
  };
  return {
    Resources: {
      Config: {
        Type: 'AWS::SageMaker::EndpointConfig',
        Properties: {
          ProductionVariants: [
            {
              VariantName: 'AllTraffic',
              InstanceType: env.serving.instanceType,
              InitialInstanceCount: env.serving.initialInstanceCount,
            },
          ],
        },
      },
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionString: JSON.stringify(definition) },
      },
    },
  };
}

/** A test configuration: the environment, training and serving (instances) on `type`. */
const onType = (env: EnvironmentConfig, type: string): EnvironmentConfig => ({
  ...env,
  training: { ...env.training, instanceType: type },
  serving: { ...env.serving, kind: 'instance', instanceType: type },
});

const pricedEnvironments = config.environments.filter((env) => PRICE_TABLE.regions[env.region]);

describe.each(pricedEnvironments.flatMap((env) => GPU_TYPES.map((type) => [env.name, type, env] as const)))(
  '%s training and serving on %s',
  (_name, type, configured) => {
    const env = onType(configured, type);
    const table = PRICE_TABLE.regions[env.region];
    const result = estimateEnvironment({
      name: env.name,
      region: env.region,
      stacks: { Main: modelTemplate(env) },
    });
    const [job] = result.trainingRuns[0].jobs;
    const endpoint = result.idle.find((l) => l.item === `SageMaker endpoint instances ${type}`)!;
    const unpriced = unpricedInstanceTypes(config.models, env, PRICE_TABLE);

    test.each([
      ['training', 'training.instanceType'],
      ['real-time inference', 'serving.instanceType'],
    ] as const)(
      '%s is priced with its own price (instances × hours × instance-hour price), or is one line naming environment, models, field, type and region',
      (use: SageMakerUse, field) => {
        const price = (use === 'training' ? table.sagemakerTraining : table.sagemakerRealTime)[type];
        const line = unpriced.find((u) => u.field === field);
        if (price) {
          expect(line).toBeUndefined();
          if (use === 'training') {
            const onDemand = env.training.instanceCount * (env.training.maxRuntimeMinutes / 60) * price.usd;
            const discount = env.training.spot.enabled ? PRICE_TABLE.spotTrainingDiscount.fraction : 0;
            expect(job.price).toBe(price);
            expect(job.onDemandUsd).toBeCloseTo(onDemand, 6);
            expect(job.usd).toBeCloseTo(onDemand * (1 - discount), 6);
          } else {
            expect(endpoint.price).toBe(price);
            expect(endpoint.usd).toBeCloseTo(env.serving.initialInstanceCount * HOURS * price.usd, 6);
          }
          return;
        }
        const charged = use === 'training' ? job : endpoint;
        expect(charged.usd).toBeUndefined();
        expect(charged.missing).toMatch(
          new RegExp(`no price for SageMaker ${use} on ${escape(type)} in ${escape(env.region)}`),
        );
        expect(line).toBeDefined();
        expect(line!.line).toMatch(new RegExp(`^environment ${escape(env.name)}, models? `));
        for (const model of config.models) expect(line!.line).toContain(model.name);
        expect(line!.line).toContain(
          `${field} ${type}: no price for SageMaker ${use} on ${type} in ${env.region}`,
        );
      },
    );
  },
);

test('every GPU training price of the table is what a training job on that type is charged, in its region', () => {
  const env = config.environments[0];
  for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
    for (const [type, price] of Object.entries(prices.sagemakerTraining).filter(([t]) =>
      GPU_TYPES.includes(t),
    )) {
      const gpuEnv = onType({ ...env, region }, type);
      const [job] = estimateEnvironment({ name: 'gpu', region, stacks: { Main: modelTemplate(gpuEnv) } })
        .trainingRuns[0].jobs;
      expect(job.price).toBe(price);
      expect(job.onDemandUsd).toBeCloseTo(
        gpuEnv.training.instanceCount * (gpuEnv.training.maxRuntimeMinutes / 60) * price.usd,
        6,
      );
    }
  }
});

test('a configured instance type the table lacks is one line per environment and field in the report, not one per job', () => {
  // The checked-in table, without the training price of the type each environment trains on.
  const trained = new Set(config.environments.map((env) => env.training.instanceType));
  const table: PriceTable = {
    ...PRICE_TABLE,
    regions: Object.fromEntries(
      Object.entries(PRICE_TABLE.regions).map(([region, prices]) => [
        region,
        {
          ...prices,
          sagemakerTraining: Object.fromEntries(
            Object.entries(prices.sagemakerTraining).filter(([type]) => !trained.has(type)),
          ),
        },
      ]),
    ),
  };
  const report = costReport(assembly, config, { table, servedAssembly: assembly });
  const field = INSTANCE_TYPE_FIELDS.find((f) => f.use === 'training')!.field;
  for (const env of config.environments.filter((e) => table.regions[e.region])) {
    const sentence = `no price for SageMaker training on ${env.training.instanceType} in ${env.region}`;
    const lines = report.missing.filter(
      (m) =>
        m.startsWith(`environment ${env.name}, `) &&
        m.includes(`${field} ${env.training.instanceType}: ${sentence}`),
    );
    expect(lines).toHaveLength(1);
    for (const model of config.models) expect(lines[0]).toContain(model.name);
    // The environment's training jobs still show the price as missing, never as 0.
    const jobs = report.environments
      .find((e) => e.environment === env.name)!
      .estimate.trainingRuns.flatMap((run) => run.jobs.filter((j) => j.use === 'training'));
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(job.usd).toBeUndefined();
      expect(job.missing).toContain(sentence);
    }
  }
  // No sentence of a job repeats what a line says (each job's sentence ends with the price list's).
  const perJob = report.missing.filter(
    (m) => !m.startsWith('environment ') && /: no price for SageMaker training on /.test(m),
  );
  expect(perJob).toEqual([]);
});
