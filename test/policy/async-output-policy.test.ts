import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { MlPolicyPack } from '../../constructs/policy/ml-policy-pack';

/**
 * MLENV-ASYNC-OUTPUT-KMS: an endpoint config with AsyncInferenceConfig (CreateEndpointConfig's
 * OutputConfig: S3OutputPath, S3FailurePath, KmsKeyId, NotificationConfig) must encrypt the answers
 * with a KMS key and name a failure path and both topics; a real-time config is not concerned.
 */
const ACCOUNT = '111111111111';
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TOPIC = (name: string) => `arn:aws:sns:eu-west-1:${ACCOUNT}:${name}`;
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function synth(output?: sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty): string | undefined {
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-policy-async-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  Validations.of(app).addPlugins(new MlPolicyPack({}));
  const stage = new Stage(app, 'Dev', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  new sagemaker.CfnEndpointConfig(new Stack(stage, 'Ml'), 'Config', {
    productionVariants: [
      { variantName: 'AllTraffic', modelName: 'm', instanceType: 'ml.m5.large', initialInstanceCount: 2 },
    ],
    kmsKeyId: KEY,
    dataCaptureConfig: {
      enableCapture: true,
      initialSamplingPercentage: 10,
      destinationS3Uri: 's3://b/capture',
      kmsKeyId: KEY,
      captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
    },
    ...(output ? { asyncInferenceConfig: { outputConfig: output } } : {}),
  });
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const COMPLETE = {
  s3OutputPath: 's3://b/m/async/output',
  s3FailurePath: 's3://b/m/async/failures',
  kmsKeyId: KEY,
  notificationConfig: { successTopic: TOPIC('ok'), errorTopic: TOPIC('failed') },
};

test('a complete asynchronous output config passes, and so does a real-time config', () => {
  expect(synth(COMPLETE)).toBeUndefined();
  expect(synth()).toBeUndefined();
});

test.each([
  ['no KMS key', { ...COMPLETE, kmsKeyId: undefined }, 'no KmsKeyId for the answers'],
  ['no failure path', { ...COMPLETE, s3FailurePath: undefined }, 'no S3FailurePath'],
  [
    'no error topic',
    { ...COMPLETE, notificationConfig: { successTopic: TOPIC('ok') } },
    'no success and error topics',
  ],
])('%s fails MLENV-ASYNC-OUTPUT-KMS', (_what, output, problem) => {
  const message = synth(output);
  expect(message).toBeDefined();
  expect(message).toContain(problem);
  expect(message).toContain('mlenv-ml-policy::MLENV-ASYNC-OUTPUT-KMS');
  expect(message).toContain('Dev/Ml/Config');
});
