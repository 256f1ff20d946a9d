import { App, Duration, Stack } from 'aws-cdk-lib';
import { MlDataStore } from '../../constructs';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

interface Rule {
  Id?: string;
  Prefix?: string;
  Status?: string;
  ExpirationInDays?: number;
  NoncurrentVersionExpiration?: { NoncurrentDays?: number };
}

/** The lifecycle rules of an environment's monitoring bucket, where endpoints capture data. */
function monitoringRules(stageId: string): Rule[] {
  const storage = assembly.stacksRecursively.find((s) => s.hierarchicalId === `${stageId}/Storage`);
  const buckets = Object.entries(storage?.template.Resources ?? {}).filter(
    ([id, r]) => (r as { Type: string }).Type === 'AWS::S3::Bucket' && id.includes('MonitoringBucket'),
  );
  expect(buckets).toHaveLength(1);
  const properties = (buckets[0][1] as { Properties: Record<string, any> }).Properties;
  return properties.LifecycleConfiguration.Rules as Rule[];
}

describe.each(config.environments.map((env) => [env.name, env] as const))('environment %s', (_name, env) => {
  test.each(config.models.map((m) => m.name))(
    "%s's captured data expires after the environment's captureRetentionDays, its old versions a day later",
    (model) => {
      // SageMaker writes capture under the endpoint config's destination: the README's
      // `<model>/data-capture/` prefix of the monitoring bucket.
      const rules = monitoringRules(env.stageId).filter((r) => r.Prefix === `${model}/data-capture/`);
      expect(rules).toEqual([
        expect.objectContaining({
          Status: 'Enabled',
          ExpirationInDays: env.serving.captureRetentionDays,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        }),
      ]);
    },
  );
});

test('a retention that S3 cannot express, or a prefix that is not one, is refused, naming the rule', () => {
  const store = new MlDataStore(new Stack(new App(), 'Test'), 'Data');
  expect(() => store.expireMonitoringObjects('Capture', 'm/data-capture/', Duration.hours(36))).toThrow(
    /expireMonitoringObjects\(Capture\) needs whole days >= 1 \(got 1.5\)/,
  );
  expect(() => store.expireMonitoringObjects('Capture', '*/data-capture/', Duration.days(3))).toThrow(
    /a key prefix without '\*'/,
  );
});
