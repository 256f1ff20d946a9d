import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { MlDataStore } from '../../constructs';
import { buildPlatformApp } from '../../lib/app/synthesize';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const outdir = () => mkdtempSync(join(tmpdir(), 'mlenv-nag-'));
const packs = (app: App) => [new AwsSolutionsChecks(app), new NIST80053R5Checks(app)];

function acknowledgementsIn(
  root: IConstruct,
): Array<{ path: string; id: string; reason: string; node: IConstruct }> {
  return root.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: node.node.path,
          id,
          reason,
          node,
        })),
      ),
  );
}

describe('cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test('every environment synthesizes with zero unacknowledged findings', () => {
    const { app } = buildPlatformApp({ outdir: outdir() });
    Validations.of(app).addPlugins(...packs(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('each acknowledgement is scoped to one resource and gives a specific reason', () => {
    const { app } = buildPlatformApp({ outdir: outdir() });
    const acks = acknowledgementsIn(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const resources = ack.node.node
        .findAll()
        .filter((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::S3::Bucket');
      expect({ path: ack.path, buckets: resources.length }).toEqual({ path: ack.path, buckets: 1 });
      expect(ack.reason.length).toBeGreaterThan(60);
    }
    // Summary for people reading the test output: which rules are acknowledged, how often.
    const counts = acks.reduce<Record<string, number>>((c, a) => ({ ...c, [a.id]: (c[a.id] ?? 0) + 1 }), {});
    expect(counts).toEqual({
      'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled': 5 * 4,
      'NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS': 1 * 4,
    });
  });

  test('the checks are live: the data store without the platform acknowledgements fails', () => {
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'eu-west-1' } });
    new MlDataStore(stack, 'Data');
    Validations.of(app).addPlugins(...packs(app));
    expect(() => app.synth()).toThrow(
      /S3BucketReplicationEnabled[\s\S]*S3DefaultEncryptionKMS|S3DefaultEncryptionKMS[\s\S]*S3BucketReplicationEnabled/,
    );
  });
});
