import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { MlDataStore } from '../../constructs';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { nagPacks } from '../../lib/platform/compliance/nag-packs';
import { addDelivery } from '../../lib/platform/delivery/delivery';
import { ALL_PINNED, configWithPins } from '../support/pins';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const outdir = () => mkdtempSync(join(tmpdir(), 'mlenv-nag-'));

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

describe('cdk-nag (AwsSolutions, NIST 800-53 R5, HIPAA Security)', () => {
  // One synthesis with the packs serves both tests below; every environment serves a model, so
  // that endpoints are checked too.
  // The platform's app runs the packs itself (lib/platform/app/platform-app.ts), on every synth.
  const { app, config, stages } = buildPlatformApp({ outdir: outdir(), config: configWithPins(ALL_PINNED) });
  addDelivery(app, config, stages);
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }

  test('every environment, serving a model, and the delivery stacks synthesize with zero unacknowledged findings', () => {
    expect(synthError).toBeUndefined();
  });

  test('each acknowledgement is on one CloudFormation resource and gives a specific reason', () => {
    // The platform's acknowledgements of the packs' rules (aws-cdk-lib records some of its own).
    const acks = acknowledgementsIn(app).filter((a) =>
      /^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security)::/.test(a.id),
    );
    for (const ack of acks) {
      expect({ path: ack.path, isResource: CfnResource.isCfnResource(ack.node) }).toEqual({
        path: ack.path,
        isResource: true,
      });
      expect(ack.reason.length).toBeGreaterThan(60);
    }
    const byRule = acks.reduce<Record<string, number>>((c, a) => {
      const rule = a.id.replace(/\[.*\]$/, '');
      return { ...c, [rule]: (c[rule] ?? 0) + 1 };
    }, {});
    // The rules acknowledged anywhere, with how often: counted from the configuration, over all
    // environments (every one serving every model); see lib/platform/compliance/.
    const envs = config.environments;
    const delivery = config.delivery ? 1 : 0;
    const count = (of: (env: (typeof envs)[number]) => number) => envs.reduce((sum, env) => sum + of(env), 0);
    // A batch-served model's pin makes a batch transform, not an endpoint.
    const batchServed = new Set(config.models.filter((m) => m.serving.mode === 'batch').map((m) => m.name));
    const endpoints = (env: (typeof envs)[number]) =>
      Object.keys(env.deployments).filter((m) => !batchServed.has(m)).length;
    const qualityMonitors = (env: (typeof envs)[number]) =>
      env.serving.kind === 'instance' && env.serving.dataCapturePercent > 0
        ? config.models.filter((m) => env.deployments[m.name] && m.serving.mode === 'endpoint').length
        : 0;
    const serverless = (env: (typeof envs)[number]) => env.serving.kind === 'serverless';
    const both = (rule: string, n: number) => ({
      [`NIST.800.53.R5::NIST.800.53.R5-${rule}`]: n,
      [`HIPAA.Security::HIPAA.Security-${rule}`]: n,
    });
    expect(byRule).toEqual({
      'AwsSolutions::AwsSolutions-IAM5': expect.any(Number),
      ...both('IAMNoInlinePolicy', expect.any(Number)),
      // Five buckets per environment (raw, curated, models, monitoring, access logs), none
      // replicated; the delivery pipeline's artifact bucket and its access log bucket.
      ...both('S3BucketReplicationEnabled', 5 * envs.length + delivery * 2),
      // The access log bucket of each environment and of the pipeline's artifacts (SSE-S3, all
      // that S3 access logging supports).
      ...both('S3DefaultEncryptionKMS', envs.length + delivery),
      // The pipeline's CodeBuild projects take their source from the pipeline.
      ...(delivery ? both('CodeBuildProjectSourceRepoUrl', expect.any(Number)) : {}),
      // Serverless endpoint configs have no volume, so no volume key.
      ...both(
        'SageMakerEndpointConfigurationKMSKeyConfigured',
        count((env) => (serverless(env) ? endpoints(env) : 0)),
      ),
      // Endpoint alarms notify through their composite alarm: 3 per serverless endpoint, 6 per instance one;
      // a model-quality alarm (real-time models on capturing instance endpoints) through its violations rule.
      ...both(
        'CloudWatchAlarmAction',
        count((env) => endpoints(env) * (serverless(env) ? 3 : 6) + qualityMonitors(env)),
      ),
      // Only the environments with a VPC.
      ...both(
        'VPCDefaultSecurityGroupClosed',
        count((env) => (env.network === 'vpc' ? 1 : 0)),
      ),
      ...both(
        'EC2RestrictedCommonPorts',
        count((env) => (env.network === 'vpc' ? 1 : 0)),
      ),
    });
    console.log(`cdk-nag acknowledgements by rule:\n${JSON.stringify(byRule, null, 2)}`);
  });

  test('the checks are live: the data store without the platform acknowledgements fails', () => {
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'eu-west-1' } });
    new MlDataStore(stack, 'Data');
    Validations.of(app).addPlugins(...nagPacks(app));
    expect(() => app.synth()).toThrow(
      /S3BucketReplicationEnabled[\s\S]*S3DefaultEncryptionKMS|S3DefaultEncryptionKMS[\s\S]*S3BucketReplicationEnabled/,
    );
  });

  test('only the wildcards the platform explains are acknowledged: a new one fails', () => {
    const { app, stages } = buildPlatformApp({ outdir: outdir() });
    const role = new iam.Role(stages[1].training, 'Careless', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\][\s\S]*Dev\/Training\/Careless/);
  });
});
