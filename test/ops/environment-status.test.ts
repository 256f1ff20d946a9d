import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryObjectStore } from '../../lib/local/jobs/memory-object-store';
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
