import { RegionInfo } from 'aws-cdk-lib/region-info';
import { type EnvironmentConfig, platformConfig } from '../../config';
import { unpricedInstanceTypes } from '../../lib/tools/cost/configured-instance-types';
import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import { NOT_PRICED, PRICE_TABLE } from '../../lib/tools/cost/prices';
import { formatCostReport } from '../../lib/tools/cost/report';
import type { CfnTemplate } from '../../cfn/cfn-template';
import { oneEnvironmentReport } from '../support/one-environment-report';

const config = platformConfig();
const SAGEMAKER_PRICING_PAGE = 'https://aws.amazon.com/sagemaker/pricing/';

/**
 * GPU instance types a team may train on (families g and p: NVIDIA GPUs), from the InstanceType
 * values of CreateTrainingJob in the SageMaker API reference.
 */
const GPU_TRAINING_TYPES = [
  'ml.g4dn.xlarge',
  'ml.g4dn.2xlarge',
  'ml.g4dn.12xlarge',
  'ml.g5.xlarge',
  'ml.g5.2xlarge',
  'ml.g5.12xlarge',
  'ml.g6.xlarge',
  'ml.p3.2xlarge',
  'ml.p3.8xlarge',
  'ml.p4d.24xlarge',
];

const USES = ['sagemakerRealTime', 'sagemakerTraining', 'sagemakerProcessing'] as const;
const KNOWN_REGIONS = RegionInfo.regions.map((r) => r.name);
const INSTANCE_TYPE = /ml\.[a-z0-9-]+\.[a-z0-9]+/g;

/** A pipeline whose one training job runs the environment's training settings on `type`, spot as configured. */
function trainingTemplate(env: EnvironmentConfig, type: string): CfnTemplate {
  const definition = {
    StartAt: 'Train',
    States: {
      Train: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
        Parameters: {
          RoleArn: 'arn:aws:iam::111111111111:role/job',
          ResourceConfig: {
            InstanceType: type,
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
      Pipeline: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionString: JSON.stringify(definition) },
      },
    },
  };
}

test('every SageMaker instance price read in a quote names the region it is written for, its date and the stored copy it was read in', () => {
  let quoted = 0;
  for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
    for (const use of USES) {
      for (const [type, price] of Object.entries(prices[use])) {
        if (!price.note?.includes('read in')) continue;
        quoted++;
        const where = `${region} ${use} ${type}`;
        expect({ where, source: price.source }).toEqual({ where, source: SAGEMAKER_PRICING_PAGE });
        expect({ where, asOf: price.asOf }).toEqual({ where, asOf: expect.stringMatching(/\b20\d\d\b/) });
        expect({ where, note: price.note }).toEqual({
          where,
          note: expect.stringContaining(`the ${region} price as of ${price.asOf}`),
        });
        expect({ where, note: price.note }).toEqual({
          where,
          note: expect.stringMatching(/stored copy read \d{4}-\d\d-\d\d/),
        });
      }
    }
  }
  expect(quoted).toBeGreaterThan(0);
});

describe.each(
  config.environments
    .filter((env) => PRICE_TABLE.regions[env.region])
    .flatMap((env) => GPU_TRAINING_TYPES.map((type) => [env.name, env.region, type, env] as const)),
)('%s (%s) training on %s', (_name, region, type, env) => {
  const [job] = estimateEnvironment({
    name: env.name,
    region,
    stacks: { Main: trainingTemplate(env, type) },
  }).trainingRuns[0].jobs;

  test('is priced from a quote of its own region, with its date and AWS source, or is missing naming the region', () => {
    if (job.price) {
      expect(job.price.source).toBe(SAGEMAKER_PRICING_PAGE);
      expect(job.price.asOf).toMatch(/\b20\d\d\b/);
      expect(job.price.note).toContain(`the ${region} price as of ${job.price.asOf}`);
      expect(job.spot).toBe(env.training.spot.enabled);
      return;
    }
    expect(job.usd).toBeUndefined();
    expect(job.missing).toContain(`no price for SageMaker training on ${type} in ${region}`);
    const configured = { ...env, training: { ...env.training, instanceType: type } };
    const line = unpricedInstanceTypes(config.models, configured, PRICE_TABLE).find(
      (u) => u.field === 'training.instanceType',
    );
    expect(line?.line).toContain(
      `training.instanceType ${type}: no price for SageMaker training on ${type} in ${region}`,
    );
    const listed = NOT_PRICED.filter(
      (n) => n.what.includes(region) && (n.what.includes(type) || n.what.startsWith('every type other than')),
    );
    expect({ region, type, listed: listed.length > 0 }).toEqual({ region, type, listed: true });
  });
});

test('NOT_PRICED never calls a type unpriced in a region, for a use, where the table prices it', () => {
  for (const { what } of NOT_PRICED) {
    if (what.startsWith('every type other than') || what.startsWith('real-time inference and processing'))
      continue;
    const regions = KNOWN_REGIONS.filter((r) => new RegExp(`\\b${r}\\b`).test(what));
    expect({ what, regions: regions.length }).toEqual({ what, regions: 1 });
    const prices = PRICE_TABLE.regions[regions[0]];
    const uses = what.startsWith('training on') ? (['sagemakerTraining'] as const) : USES;
    for (const type of what.match(INSTANCE_TYPE) ?? []) {
      for (const use of uses)
        expect({ what, use, type, priced: !!prices?.[use][type] }).toEqual({
          what,
          use,
          type,
          priced: false,
        });
    }
  }
});

test('the spot discount names the AWS page it rests on, in the line the report prints, and stays below the saving AWS documents as the most', () => {
  const { spotTrainingDiscount } = PRICE_TABLE;
  expect(spotTrainingDiscount.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/sagemaker\/.*spot/);
  expect(spotTrainingDiscount.asOf.trim()).not.toEqual('');
  expect(spotTrainingDiscount.fraction).toBeGreaterThan(0);
  // The managed spot training page: "up to 90%" over on-demand instances.
  expect(spotTrainingDiscount.fraction).toBeLessThan(0.9);
  const [env] = config.environments.filter((e) => PRICE_TABLE.regions[e.region]);
  const estimate = estimateEnvironment({
    name: 'test',
    region: env.region,
    stacks: { Main: trainingTemplate(env, env.training.instanceType) },
  });
  const text = formatCostReport(oneEnvironmentReport(estimate, env.region));
  const spotLine = text.split('\n\n')[0];
  expect(spotLine).toMatch(/spot training: \d+ % below on demand assumed/);
  expect(spotLine).toContain(spotTrainingDiscount.source);
});
