import { createHash } from 'node:crypto';
import { Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  EndpointVariant,
  MlDataStore,
  MlInstanceType,
  ModelEndpoint,
  type ModelEndpointProps,
} from '../../constructs';
import { testApp } from '../support/test-app';

// Expectations come from AWS's documentation, not from the construct:
// - CreateEndpointConfig's AsyncInferenceConfig (OutputConfig.S3OutputPath, S3FailurePath, KmsKeyId,
//   NotificationConfig.SuccessTopic/ErrorTopic; ClientConfig.MaxConcurrentInvocationsPerInstance).
// - "Autoscale an asynchronous endpoint": MinCapacity 0, target tracking on the customized metric
//   ApproximateBacklogSizePerInstance (AWS/SageMaker, EndpointName), and a step scaling policy
//   (ChangeInCapacity, MetricIntervalLowerBound 0, ScalingAdjustment 1) driven by an alarm on
//   HasBacklogWithoutCapacity >= 1, which scales out from zero instances.
// - "Testing models with shadow variants": ShadowProductionVariants beside exactly one production variant.
const PACKAGE = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-churn/3';
const CANDIDATE = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-churn/4';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const TYPE = 'ml.m5.large';

function endpoint(props: Partial<ModelEndpointProps>) {
  const stack = new Stack(testApp(), 'Serving', { env: { account: '111111111111', region: 'eu-west-1' } });
  const store = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
  const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'ByName', {
    bucketNamePrefix: 'test-data',
    encryptionKey: store.encryptionKey,
  });
  const construct = new ModelEndpoint(stack, 'Churn', {
    modelName: 'churn',
    modelPackageArn: PACKAGE,
    artifactFilesSha256: sha('served'),
    dataStore,
    variant: EndpointVariant.instances({ instanceType: MlInstanceType.of(TYPE) }),
    ...props,
  });
  return { stack, construct, store };
}

const ASYNC = EndpointVariant.asynchronous({
  instanceType: MlInstanceType.of(TYPE),
  maxInstances: 3,
  backlogPerInstance: 7,
  maxConcurrentInvocationsPerInstance: 2,
});

describe('ModelEndpoint with an asynchronous variant', () => {
  const { stack, construct } = endpoint({ variant: ASYNC, dataCapturePercent: 20 });
  const template = Template.fromStack(stack);
  const resolve = (v: unknown) => stack.resolve(v);
  const monitoringBucket = 'test-data-monitoring';

  test('renders AsyncInferenceConfig with output and failure paths under the model, the data key and both topics', () => {
    const configs = template.findResources('AWS::SageMaker::EndpointConfig');
    const [config] = Object.values(configs).map((r) => r.Properties);
    const out = config.AsyncInferenceConfig.OutputConfig;
    expect(config.AsyncInferenceConfig.ClientConfig).toEqual({ MaxConcurrentInvocationsPerInstance: 2 });
    expect(JSON.stringify(out.S3OutputPath)).toContain(`${monitoringBucket}/churn/`);
    expect(JSON.stringify(out.S3FailurePath)).toContain(`${monitoringBucket}/churn/`);
    expect(out.S3OutputPath).not.toEqual(out.S3FailurePath);
    expect(out.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] });
    expect(out.NotificationConfig.SuccessTopic).toEqual({ Ref: expect.stringMatching(/^ChurnAsyncSuccess/) });
    expect(out.NotificationConfig.ErrorTopic).toEqual({ Ref: expect.stringMatching(/^ChurnAsyncErrors/) });
    // Async endpoints run on instances: an instance type, a volume key, and capture works.
    expect(config.ProductionVariants[0].InstanceType).toBe(TYPE);
    expect(config.ProductionVariants[0].ServerlessConfig).toBeUndefined();
    expect(config.DataCaptureConfig.EnableCapture).toBe(true);
    expect(construct.async).toBeDefined();
  });

  test('both topics are KMS-encrypted, TLS only, and publishable only as the endpoint role', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(2);
    for (const topic of Object.values(topics)) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'],
      });
    }
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': resolve(construct.role.roleArn) } },
        }),
      );
    }
  });

  test('the role reads the input prefix and puts output and failures, nothing else of the async layout', () => {
    const doc = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(doc).toContain('/churn/async/input/*');
    expect(doc).toContain('/churn/async/output/*');
    expect(doc).toContain('/churn/async/failures/*');
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const publish = statements.find((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish).toBeDefined();
  });

  test('scales between 0 and maxInstances, on the backlog, and out from zero on HasBacklogWithoutCapacity', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 3,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 7,
        CustomizedMetricSpecification: Match.objectLike({
          MetricName: 'ApproximateBacklogSizePerInstance',
          Namespace: 'AWS/SageMaker',
          Dimensions: [{ Name: 'EndpointName', Value: Match.anyValue() }],
        }),
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HasBacklogWithoutCapacity',
      Namespace: 'AWS/SageMaker',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('ScaleOutFromZero') }],
    });
  });

  test('keeps blue/green with automatic rollback (deployment guardrails cover asynchronous endpoints)', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({ BlueGreenUpdatePolicy: Match.anyValue() }),
    });
  });
});

describe('ModelEndpoint with a shadow variant', () => {
  const { stack } = endpoint({
    dataCapturePercent: 10,
    shadow: { modelPackageArn: CANDIDATE, artifactFilesSha256: sha('candidate'), samplingPercent: 25 },
  });
  const template = Template.fromStack(stack);

  test('the candidate is its own isolated model, with its own digest', () => {
    template.resourceCountIs('AWS::SageMaker::Model', 2);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Containers: [
        { ModelPackageName: CANDIDATE, Environment: { MLENV_MODEL_FILES_SHA256: sha('candidate') } },
      ],
      EnableNetworkIsolation: true,
    });
  });

  test('one production variant, one shadow variant on the same instances, captured under its own name', () => {
    const [config] = Object.values(template.findResources('AWS::SageMaker::EndpointConfig')).map(
      (r) => r.Properties,
    );
    expect(config.ProductionVariants).toHaveLength(1);
    expect(config.ShadowProductionVariants).toHaveLength(1);
    const [shadow] = config.ShadowProductionVariants;
    expect(shadow.VariantName).not.toBe(config.ProductionVariants[0].VariantName);
    expect(shadow.InstanceType).toBe(TYPE);
    expect(shadow.InitialVariantWeight).toBeCloseTo(0.25);
    expect(config.ProductionVariants[0].InitialVariantWeight).toBe(1);
    // One capture config for the endpoint: SageMaker writes each variant under its own name.
    expect(config.DataCaptureConfig.EnableCapture).toBe(true);
  });
});

describe('ModelEndpoint refuses what SageMaker cannot do', () => {
  const shadow = { modelPackageArn: CANDIDATE, artifactFilesSha256: sha('candidate') };
  test.each([
    [
      'a shadow on a serverless variant',
      {
        variant: EndpointVariant.serverless({
          memorySize: Size.gibibytes(2),
          maxConcurrency: 5,
        }),
        shadow,
      },
      /shadow: only real-time instance variants/,
    ],
    [
      'a shadow on an asynchronous variant',
      { variant: ASYNC, shadow },
      /shadow: only real-time instance variants.*async/,
    ],
    [
      'a shadow of the served package',
      { shadow: { ...shadow, modelPackageArn: PACKAGE } },
      /shadow.modelPackageArn is the served package/,
    ],
    [
      'a sampling percentage of 0',
      { shadow: { ...shadow, samplingPercent: 0 } },
      /samplingPercent must be a whole number 1-100/,
    ],
    [
      'too many concurrent invocations',
      {
        variant: EndpointVariant.asynchronous({
          instanceType: MlInstanceType.of(TYPE),
          maxConcurrentInvocationsPerInstance: 1001,
        }),
      },
      /maxConcurrentInvocationsPerInstance must be a whole number 1-1000/,
    ],
  ])('%s', (_what, props, message) => {
    expect(() => endpoint(props as Partial<ModelEndpointProps>)).toThrow(message);
  });
});
