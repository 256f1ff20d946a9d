import { createHash } from 'node:crypto';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EndpointVariant,
  MlDataStore,
  MlInstanceType,
  ModelEndpoint,
  type ModelEndpointProps,
} from '../../constructs';
import { testApp } from '../support/test-app';

const PACKAGE = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-churn/3';
const INSTANCES = EndpointVariant.instances({
  instanceType: MlInstanceType.of('ml.m5.large'),
  initialInstanceCount: 2,
  autoscaling: { minInstances: 2, maxInstances: 6, targetInvocationsPerInstance: 200 },
});

/** The package's artifactFilesSha256 (any SHA-256: the serving code compares, the model passes it on). */
const FILES_SHA256 = createHash('sha256').update('the files of the churn artifact').digest('hex');

function endpoint(props: Partial<ModelEndpointProps> = {}, options = { synth: true }) {
  const stack = new Stack(testApp(), 'Serving', { env: { account: '111111111111', region: 'eu-west-1' } });
  const store = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
  const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'ByName', {
    bucketNamePrefix: 'test-data',
    encryptionKey: store.encryptionKey,
  });
  const construct = new ModelEndpoint(stack, 'Churn', {
    modelName: 'churn',
    modelPackageArn: PACKAGE,
    artifactFilesSha256: FILES_SHA256,
    dataStore,
    variant: INSTANCES,
    dataCapturePercent: 20,
    rollout: { canaryPercent: 10, wait: Duration.minutes(10) },
    latencyThreshold: Duration.millis(500),
    alarmNamePrefix: 'mlenv-prod-churn',
    ...props,
  });
  return {
    stack,
    construct,
    template: options.synth ? Template.fromStack(stack) : (undefined as unknown as Template),
  };
}

describe('ModelEndpoint on instances', () => {
  const { template } = endpoint();
  const { stack, construct } = endpoint({}, { synth: false });
  const keyArn = { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] };

  test('creates a network-isolated model from the package, running as its own role', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      // The serving code refuses model files whose SHA-256 is not the one the package records.
      Containers: [{ ModelPackageName: PACKAGE, Environment: { MLENV_MODEL_FILES_SHA256: FILES_SHA256 } }],
      EnableNetworkIsolation: true,
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnRole'), 'Arn'] },
    });
    expect(
      template.findResources('AWS::SageMaker::Model')[
        Object.keys(template.findResources('AWS::SageMaker::Model'))[0]
      ].Properties.ModelName,
    ).toBeUndefined();
  });

  test("the role reads the model's artifacts and writes its capture, nothing else of the data", () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const s3 = statements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0];
    const destination: string = config.Properties.DataCaptureConfig.DestinationS3Uri;
    expect(destination).toMatch(/^s3:\/\/test-data-monitoring\/churn\//);
    const resources = s3.map((s) => JSON.stringify(s.Resource));
    expect(resources).toHaveLength(3);
    expect(resources).toEqual(
      expect.arrayContaining([
        expect.stringContaining('test-data-models"'),
        expect.stringContaining('test-data-models/churn/*'),
        // Writes only under the capture destination the endpoint config names.
        JSON.stringify(`arn:aws:s3:::${destination.replace(/^s3:\/\//, '')}/*`),
      ]),
    );
    expect(statements.find((s) => s.Sid === 'WriteLogs').Resource).toEqual([
      'arn:aws:logs:eu-west-1:111111111111:log-group:/aws/sagemaker/Endpoints/*',
      'arn:aws:logs:eu-west-1:111111111111:log-group:/aws/sagemaker/Endpoints/*:log-stream:*',
    ]);
  });

  test('serves an instance variant with a KMS-encrypted volume and captures requests and responses', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnModel'), 'ModelName'] },
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 2,
          InitialVariantWeight: 1,
        },
      ],
      KmsKeyId: Match.anyValue(),
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 20,
        DestinationS3Uri: 's3://test-data-monitoring/churn/data-capture',
        KmsKeyId: Match.anyValue(),
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      },
    });
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0];
    expect(config.Properties.KmsKeyId).toEqual(keyArn);
    expect(config.Properties.EndpointConfigName).toBeUndefined();
  });

  test('without a name, its role may write to any endpoint log group (the name is generated at deploy)', () => {
    expect(JSON.stringify(template.toJSON())).toContain('log-group:/aws/sagemaker/Endpoints/*');
  });

  test("with a name, the endpoint has it and its role writes only to that endpoint's log group", () => {
    const named = endpoint({ endpointName: 'mlenv-prod-churn' }).template;
    const [resource] = Object.values(named.findResources('AWS::SageMaker::Endpoint'));
    expect(resource.Properties.EndpointName).toBe('mlenv-prod-churn');
    const groups = [...JSON.stringify(named.toJSON()).matchAll(/log-group:([^"*:]*)/g)].map((m) => m[1]);
    // SageMaker's documented group for an endpoint's container logs.
    expect(new Set(groups)).toEqual(new Set(['/aws/sagemaker/Endpoints/mlenv-prod-churn']));
  });

  test('has no fixed endpoint name by default, so a new config updates the endpoint in place', () => {
    const endpoints = template.findResources('AWS::SageMaker::Endpoint');
    const [resource] = Object.values(endpoints);
    expect(resource.Properties.EndpointName).toBeUndefined();
    expect(resource.Properties.EndpointConfigName).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ChurnConfig/), 'EndpointConfigName'],
    });
  });

  test('rolls out blue/green with a canary and rolls back on the 5xx and latency alarms', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'CANARY',
            CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 },
            WaitIntervalInSeconds: 600,
          },
          TerminationWaitInSeconds: 300,
          MaximumExecutionTimeoutInSeconds: 4200,
        },
        AutoRollbackConfiguration: {
          Alarms: [
            { AlarmName: 'mlenv-prod-churn-5xx-errors' },
            { AlarmName: 'mlenv-prod-churn-model-latency' },
          ],
        },
      },
    });
  });

  test('the rollback alarms watch the endpoint variant: 5xx errors and p99 model latency (in microseconds)', () => {
    const dimensions = [
      {
        Name: 'EndpointName',
        Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnEndpoint'), 'EndpointName'] },
      },
      { Name: 'VariantName', Value: 'AllTraffic' },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mlenv-prod-churn-5xx-errors',
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: dimensions,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mlenv-prod-churn-model-latency',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Threshold: 500_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: dimensions,
    });
  });

  test('scales on invocations per instance between the bounds, with the service-linked role', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 2,
      MaxCapacity: 6,
      ResourceId: {
        'Fn::Join': [
          '',
          [
            'endpoint/',
            { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnEndpoint'), 'EndpointName'] },
            '/variant/AllTraffic',
          ],
        ],
      },
      RoleARN: Match.stringLikeRegexp('AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint'),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 200,
      },
    });
    template.resourceCountIs('AWS::IAM::Role', 1); // only the model's role
  });

  test('grantInvoke and metrics, like aws-cdk constructs', () => {
    const fresh = endpoint({}, { synth: false });
    const role = new iam.Role(fresh.stack, 'Api', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    fresh.construct.grantInvoke(role);
    const statements = Object.values(
      Template.fromStack(fresh.stack).findResources('AWS::IAM::Policy'),
    ).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'sagemaker:InvokeEndpoint',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:aws:sagemaker:eu-west-1:111111111111:endpoint/',
              { 'Fn::GetAtt': [expect.stringMatching(/^ChurnEndpoint/), 'EndpointName'] },
            ],
          ],
        },
      }),
    );
    expect(stack.resolve(construct.metricInvocations().toMetricConfig().metricStat)).toMatchObject({
      metricName: 'Invocations',
      statistic: 'Sum',
      namespace: 'AWS/SageMaker',
    });
    expect(construct.metricModelLatency().statistic).toBe('p99');
    expect(construct.metric5xxErrors({ period: Duration.minutes(5) }).period.toMinutes()).toBe(5);
  });
});

describe('ModelEndpoint serverless', () => {
  const { template } = endpoint({
    variant: EndpointVariant.serverless({ memorySize: Size.gibibytes(2), maxConcurrency: 10 }),
    dataCapturePercent: undefined,
    rollout: undefined,
  });

  test('serves a serverless variant, without volume key, capture, rollout or autoscaling', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({ ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 10 } }),
      ],
    });
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0].Properties;
    expect(config.KmsKeyId).toBeUndefined();
    expect(config.DataCaptureConfig).toBeUndefined();
    expect(config.ProductionVariants[0].InstanceType).toBeUndefined();
    expect(
      Object.values(template.findResources('AWS::SageMaker::Endpoint'))[0].Properties.DeploymentConfig,
    ).toBeUndefined();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });
});

describe('ModelEndpoint validation', () => {
  const serverless = EndpointVariant.serverless({ memorySize: Size.gibibytes(2), maxConcurrency: 10 });
  test.each([
    [
      { variant: serverless, rollout: undefined },
      /dataCapturePercent: serverless endpoints support no data capture/,
    ],
    [
      { variant: serverless, dataCapturePercent: 0 },
      /rollout: serverless endpoints support no blue\/green rollout/,
    ],
    [
      {
        variant: EndpointVariant.instances({
          instanceType: MlInstanceType.of('ml.m5.large'),
          autoscaling: { minInstances: 4, maxInstances: 2, targetInvocationsPerInstance: 10 },
        }),
      },
      /autoscaling.minInstances \(4\) must not be above maxInstances \(2\)/,
    ],
    [
      { modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn' },
      /is not a versioned model package ARN/,
    ],
    [{ dataCapturePercent: 150 }, /dataCapturePercent must be a whole number 0-100/],
    [{ artifactFilesSha256: 'ABC' }, /artifactFilesSha256 'ABC' is not a SHA-256/],
    [{ endpointName: 'churn_endpoint' }, /endpointName 'churn_endpoint' must be 1-63 letters/],
    [{ endpointName: 'e'.repeat(64) }, /endpointName 'e{64}' must be 1-63 letters/],
    [
      {
        variant: EndpointVariant.serverless({ memorySize: Size.mebibytes(1500), maxConcurrency: 500 }),
        dataCapturePercent: 0,
        rollout: undefined,
      },
      /memorySize must be 1-6 GiB[\s\S]*maxConcurrency must be 1-200/,
    ],
  ])('refuses %#', (override, message) => {
    expect(() => endpoint(override as Partial<ModelEndpointProps>)).toThrow(message);
    // The error names the construct, so a user with many endpoints knows which one.
    expect(() => endpoint(override as Partial<ModelEndpointProps>)).toThrow(
      /^Invalid ModelEndpoint props at Serving\/Churn:/,
    );
  });
});
