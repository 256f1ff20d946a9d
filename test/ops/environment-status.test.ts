import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { LOCAL_ENVIRONMENT, platformConfig } from '../../config';
import { endpointLine, qualityLine } from '../../lib/cli/status-command';
import { MemoryObjectStore } from '../../lib/ops/memory-object-store';
import type { EnvironmentDirectory } from '../../lib/ops/environment-directory';
import { environmentStatus } from '../../lib/ops/environment-status';

const sagemaker = mockClient(SageMakerClient);
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => [sagemaker, sfn, s3, cloudwatch].forEach((c) => c.reset()));

const topic = 'arn:aws:sns:eu-west-1:222222222222:Staging-Operations-Alerts';
const directory: EnvironmentDirectory = {
  environment: 'staging',
  buckets: { raw: 'raw', curated: 'curated', models: 'models', monitoring: 'monitoring' },
  dataKeyArn: 'arn:key',
  alertTopicArn: topic,
  models: {
    churn: { pipelineArn: 'arn:sm:churn', packageGroup: 'g-churn', endpointName: 'ep-churn' },
    fraud: { pipelineArn: 'arn:sm:fraud', packageGroup: 'g-fraud' },
  },
  promotionSources: {},
  pins: { churn: { modelPackageArn: 'arn:pkg/g-churn/4' } as never },
};

test('endpoints, recent runs, the newest drift findings, and only the alarms that notify this environment', async () => {
  sagemaker.on(DescribeEndpointCommand, { EndpointName: 'ep-churn' }).resolves({
    EndpointStatus: 'InService',
    ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 2, CurrentWeight: 1 }],
  } as never);
  sfn.on(ListExecutionsCommand).resolves({ executions: [{ name: 'drift-1', status: 'SUCCEEDED' } as never] });
  const store = new MemoryObjectStore();
  const older = 'churn/data-quality/ep-churn/s/2026/11/30/09/constraint_violations.json';
  const newer = 'churn/data-quality/ep-churn/s/2026/11/30/10/constraint_violations.json';
  await store.put(`s3://monitoring/${newer}`, JSON.stringify({ violations: [{}, {}] }));
  s3.on(ListObjectsV2Command, { Prefix: 'churn/data-quality/' }).resolves({
    Contents: [
      { Key: older, LastModified: new Date('2026-11-30T09:05:00Z') },
      { Key: newer, LastModified: new Date('2026-11-30T10:05:00Z') },
      {
        Key: newer.replace('constraint_violations', 'statistics'),
        LastModified: new Date('2026-11-30T10:06:00Z'),
      },
    ],
  });
  s3.on(ListObjectsV2Command, { Prefix: 'fraud/data-quality/' }).resolves({});
  s3.on(ListObjectsV2Command, { Prefix: 'churn/model-quality/' }).resolves({});
  s3.on(ListObjectsV2Command, { Prefix: 'fraud/model-quality/' }).resolves({});
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      { AlarmName: 'ours', AlarmActions: [topic], StateReason: 'p99 over 1000 ms' },
      { AlarmName: 'another team', AlarmActions: ['arn:aws:sns:eu-west-1:222222222222:theirs'] },
    ],
  });
  const status = await environmentStatus(
    {
      sagemaker: sagemaker as never,
      sfn: sfn as never,
      s3: s3 as never,
      store,
      cloudwatch: cloudwatch as never,
    },
    directory,
  );
  expect(status.models).toEqual([
    {
      model: 'churn',
      endpoint: {
        name: 'ep-churn',
        status: 'InService',
        variants: [{ name: 'AllTraffic', instances: 2, weight: 1 }],
        pinnedPackage: 'arn:pkg/g-churn/4',
      },
      executions: [{ name: 'drift-1', status: 'SUCCEEDED', startDate: undefined }],
      drift: { report: `s3://monitoring/${newer}`, checkedAt: '2026-11-30T10:05:00.000Z', violations: 2 },
    },
    {
      model: 'fraud',
      endpoint: undefined,
      executions: [{ name: 'drift-1', status: 'SUCCEEDED', startDate: undefined }],
      drift: undefined,
    },
  ]);
  expect(status.alarms).toEqual([{ name: 'ours', reason: 'p99 over 1000 ms' }]);
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input.StateValue).toBe('ALARM');
});

test("model quality beside drift: the newest check's gate metric against the configured gate, and its violations", async () => {
  sagemaker
    .on(DescribeEndpointCommand)
    .resolves({ EndpointStatus: 'InService', ProductionVariants: [] } as never);
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  s3.on(ListObjectsV2Command).resolves({});
  cloudwatch.on(DescribeAlarmsCommand).resolves({});
  const store = new MemoryObjectStore();
  const older = 'churn/model-quality/ep-churn/s/2026/11/30/09/constraint_violations.json';
  const newer = 'churn/model-quality/ep-churn/s/2026/11/30/10/constraint_violations.json';
  // Model Monitor's model-quality report files: statistics.json beside constraint_violations.json.
  await store.put(
    `s3://monitoring/${newer}`,
    JSON.stringify({ violations: [{ metric_name: 'auc', constraint_check_type: 'LessThanThreshold' }] }),
  );
  await store.put(
    `s3://monitoring/${newer.replace('constraint_violations', 'statistics')}`,
    JSON.stringify({
      version: 0.0,
      dataset: { item_count: 120 },
      binary_classification_metrics: { auc: { value: 0.71, standard_deviation: 'NaN' } },
    }),
  );
  s3.on(ListObjectsV2Command, { Prefix: 'churn/model-quality/' }).resolves({
    Contents: [
      { Key: older, LastModified: new Date('2026-11-30T09:05:00Z') },
      { Key: newer, LastModified: new Date('2026-11-30T10:05:00Z') },
    ],
  });
  const gate = { metric: 'auc', operator: '>=', threshold: 0.9 };
  const status = await environmentStatus(
    {
      sagemaker: sagemaker as never,
      sfn: sfn as never,
      s3: s3 as never,
      store,
      cloudwatch: cloudwatch as never,
    },
    directory,
    { qualityGates: { churn: gate } },
  );
  const [churn, fraud] = status.models;
  expect(churn.quality).toEqual({
    report: `s3://monitoring/${newer}`,
    checkedAt: '2026-11-30T10:05:00.000Z',
    violations: 1,
    items: 120,
    metric: 'auc',
    value: 0.71,
    gate: 'auc >= 0.9',
  });
  expect(qualityLine(churn)).toBe(
    'auc 0.710 (gate auc >= 0.9) on 120 labelled request(s): 1 violation(s) in the check of 2026-11-30T10:05:00.000Z',
  );
  expect(fraud.quality).toBeUndefined();
  expect(qualityLine(fraud)).toMatch(/^no check yet/);
});

describe.each(platformConfig().models.map((m) => [m.name]))(
  "%s in the local environment: an endpoint is served only while this machine's stand-in runs",
  (model) => {
    const local: EnvironmentDirectory = {
      ...directory,
      environment: LOCAL_ENVIRONMENT,
      models: {
        [model]: { pipelineArn: `arn:sm:${model}`, packageGroup: `g-${model}`, endpointName: `ep-${model}` },
      },
      // SageMaker's model package ARN: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>.
      pins: {
        [model]: {
          modelPackageArn: `arn:aws:sagemaker:eu-west-1:111111111111:model-package/g-${model}/2`,
        } as never,
      },
    };
    beforeEach(() => {
      // The emulator keeps the endpoint InService whether or not its stand-in runs.
      sagemaker.on(DescribeEndpointCommand).resolves({
        EndpointStatus: 'InService',
        ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 1 }],
      } as never);
      sfn.on(ListExecutionsCommand).resolves({ executions: [] });
      s3.on(ListObjectsV2Command).resolves({});
      cloudwatch.on(DescribeAlarmsCommand).resolves({});
    });
    const statusWith = (served: boolean) => {
      const asked: string[][] = [];
      const status = environmentStatus(
        {
          sagemaker: sagemaker as never,
          sfn: sfn as never,
          s3: s3 as never,
          store: new MemoryObjectStore(),
          cloudwatch: cloudwatch as never,
        },
        local,
        { servedHere: (m, endpointName) => (asked.push([m, endpointName]), served) },
      );
      return { status, asked };
    };

    test('with no stand-in it is pinned, not served, and says how to serve it', async () => {
      const { status, asked } = statusWith(false);
      const [m] = (await status).models;
      expect(asked).toEqual([[model, `ep-${model}`]]);
      expect(m.endpoint?.servedHere).toBe(false);
      const line = endpointLine(m);
      expect(line).toContain(`pinned to model-package/g-${model}/2, not served`);
      expect(line).toContain(`mlenv local serve --model ${model}`);
      expect(line).not.toContain('InService');
    });

    test('with its stand-in running it serves the pinned package', async () => {
      const [m] = (await statusWith(true).status).models;
      expect(m.endpoint?.servedHere).toBe(true);
      expect(endpointLine(m)).toBe(`ep-${model} InService, AllTraffic x1; serves model-package/g-${model}/2`);
    });
  },
);

test('without servedHere (an AWS environment) the endpoint says nothing of this machine', async () => {
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' } as never);
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  s3.on(ListObjectsV2Command).resolves({});
  cloudwatch.on(DescribeAlarmsCommand).resolves({});
  const status = await environmentStatus(
    {
      sagemaker: sagemaker as never,
      sfn: sfn as never,
      s3: s3 as never,
      store: new MemoryObjectStore(),
      cloudwatch: cloudwatch as never,
    },
    directory,
  );
  expect(status.models.map((m) => m.endpoint && 'servedHere' in m.endpoint)).toEqual([false, undefined]);
});
