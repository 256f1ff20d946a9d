import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { ALL_PINNED, configWithPins } from '../support/pins';

const outdir = () => mkdtempSync(join(tmpdir(), 'mlenv-policy-'));
const synthError = (app: { synth: () => unknown }): string => {
  try {
    app.synth();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
};

describe('the ML policy pack on the platform', () => {
  test('every environment, serving a model, passes it', () => {
    const { app } = buildPlatformApp({ outdir: outdir(), config: configWithPins(ALL_PINNED) });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails synth when prod would serve on one instance, naming rule, resource and fix', () => {
    const { app, stages } = buildPlatformApp({ outdir: outdir(), config: configWithPins(ALL_PINNED) });
    const prod = stages.find((s) => s.environment.name === 'prod')!;
    const config = prod.model('churn').endpoint!.node.findChild('Config') as sagemaker.CfnEndpointConfig;
    config.addPropertyOverride('ProductionVariants.0.InitialInstanceCount', 1);
    const message = synthError(app);
    expect(message).toContain('Prod/ChurnModel/ChurnEndpoint/Config');
    expect(message).toContain('InitialInstanceCount >= 2');
    expect(message).toContain("Acknowledge with 'mlenv-ml-policy::MLENV-ENDPOINT-INSTANCES'");
  });

  test('the production rules do not apply to staging', () => {
    const { app, stages } = buildPlatformApp({ outdir: outdir(), config: configWithPins(ALL_PINNED) });
    const staging = stages.find((s) => s.environment.name === 'staging')!;
    (
      staging.model('churn').endpoint!.node.findChild('Config') as sagemaker.CfnEndpointConfig
    ).addPropertyOverride('ProductionVariants.0.InitialInstanceCount', 1);
    expect(() => app.synth()).not.toThrow();
  });

  test('fails synth on an unversioned data bucket in any environment', () => {
    const { app, stages } = buildPlatformApp({ outdir: outdir() });
    const dev = stages.find((s) => s.environment.name === 'dev')!;
    (dev.storage.dataStore.rawBucket.node.defaultChild as s3.CfnBucket).versioningConfiguration = undefined;
    const message = synthError(app);
    expect(message).toContain('Dev/Storage/Data/RawBucket');
    expect(message).toContain('MLENV-BUCKET-VERSIONING');
  });
});
