import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  EndpointVariant,
  MlDataStore,
  MlInstanceType,
  ModelEndpoint,
  ModelLayout,
  ModelQualityMonitor,
  type ModelQualityMonitorProps,
  modelQualityConstraints,
  ProblemType,
} from '../../constructs';
import { testApp } from '../support/test-app';
import { monitoringScheduleCosts } from '../../lib/tools/cost/monitoring-schedules';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { RegionPriceList } from '../../lib/tools/pricing/price-table';
import type { CfnTemplate } from '../../cfn/cfn-template';
import { templateResources } from '../../lib/tools/pricing/template-resources';

/**
 * Expectations come from AWS's documented formats, not from the construct:
 * - CloudFormation AWS::SageMaker::ModelQualityJobDefinition (ProblemType one of BinaryClassification,
 *   MulticlassClassification, Regression; EndpointInput; GroundTruthS3Input);
 * - Model Monitor's model-quality constraints.json: `{"version": 0.0, "binary_classification_constraints":
 *   {"auc": {"threshold": t, "comparison_operator": "LessThanThreshold"}}}` (violation when the
 *   metric is less than the threshold), `regression_constraints`, `multiclass_classification_constraints`;
 * - CloudWatch: model-quality metrics of real-time endpoints in `aws/sagemaker/Endpoints/model-metrics`,
 *   dimensions `Endpoint` and `MonitoringSchedule`, metric names as in statistics.json (`auc`, `r2`, ...).
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

function monitor(props: Partial<ModelQualityMonitorProps> = {}) {
  const stack = new Stack(testApp(), 'Serving', { env: { account: ACCOUNT, region: REGION } });
  const store = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
  const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'ByName', {
    bucketNamePrefix: 'test-data',
    encryptionKey: store.encryptionKey,
  });
  const endpoint = new ModelEndpoint(stack, 'Churn', {
    modelName: 'churn',
    modelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/mlenv-prod-churn/3`,
    artifactFilesSha256: createHash('sha256').update('files').digest('hex'),
    dataStore,
    variant: EndpointVariant.instances({
      instanceType: MlInstanceType.of('ml.m5.large'),
      initialInstanceCount: 1,
      autoscaling: { minInstances: 1, maxInstances: 1, targetInvocationsPerInstance: 100 },
    }),
    dataCapturePercent: 100,
    rollout: { canaryPercent: 10, wait: Duration.minutes(5) },
    latencyThreshold: Duration.millis(500),
    alarmNamePrefix: 'mlenv-prod-churn',
  });
  const alerts = new sns.Topic(stack, 'Alerts');
  const construct = new ModelQualityMonitor(stack, 'Quality', {
    endpoint,
    modelName: 'churn',
    problemType: ProblemType.BINARY_CLASSIFICATION,
    qualityGate: { metric: 'auc', operator: '>=', threshold: 0.9 },
    dataStore,
    schedule: 'cron(0 * ? * * *)',
    scheduleName: 'mlenv-prod-churn-model-quality',
    alerts,
    ...props,
  });
  return { stack, construct, template: Template.fromStack(stack) };
}

const only = (template: Template, type: string) => {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0].Properties;
};

describe('ModelQualityMonitor', () => {
  const { template, stack } = monitor();
  const definition = only(template, 'AWS::SageMaker::ModelQualityJobDefinition');

  test("joins the endpoint's captured predictions with the model's ground truth, as a binary classifier", () => {
    expect(definition.ModelQualityAppSpecification.ProblemType).toBe('BinaryClassification');
    expect(definition.ModelQualityJobInput.EndpointInput).toMatchObject({
      EndpointName: { 'Fn::GetAtt': [expect.stringMatching(/^Churn/), 'EndpointName'] },
      // The reference serving output: {"predictions": [{"score": p, "label": 0|1}]}.
      InferenceAttribute: 'predictions[0].label',
      ProbabilityAttribute: 'predictions[0].score',
      ProbabilityThresholdAttribute: 0.5,
      StartTimeOffset: expect.stringMatching(/^-P/),
      EndTimeOffset: expect.stringMatching(/^-P/),
    });
    expect(definition.ModelQualityJobInput.GroundTruthS3Input.S3Uri).toBe(
      `s3://test-data-monitoring/${new ModelLayout('churn').groundTruthDir}`,
    );
  });

  test('encrypts its output and volume with the data key, runs network-isolated and reports beside the drift reports', () => {
    const keyArn = { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] };
    expect(definition.ModelQualityJobOutputConfig.KmsKeyId).toEqual(keyArn);
    expect(definition.JobResources.ClusterConfig.VolumeKmsKeyId).toEqual(keyArn);
    expect(definition.NetworkConfig).toMatchObject({
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
    });
    expect(definition.ModelQualityJobOutputConfig.MonitoringOutputs[0].S3Output.S3Uri).toBe(
      `s3://test-data-monitoring/churn/model-quality`,
    );
    // "for an hourly model quality monitoring job, the value of MaxRuntimeInSeconds specified as part
    // of StoppingCondition must not be greater than 1800" (Schedule model quality monitoring jobs).
    expect(definition.StoppingCondition.MaxRuntimeInSeconds).toBeLessThanOrEqual(1800);
  });

  test('is scheduled as a ModelQuality schedule of its definition on the given cron', () => {
    const schedule = only(template, 'AWS::SageMaker::MonitoringSchedule');
    expect(schedule).toMatchObject({
      MonitoringScheduleName: 'mlenv-prod-churn-model-quality',
      MonitoringScheduleConfig: {
        MonitoringType: 'ModelQuality',
        ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      },
    });
  });

  test("the constraints file is Model Monitor's model-quality format, derived from the gate, and the check reads it", () => {
    const uri = JSON.stringify(definition.ModelQualityBaselineConfig.ConstraintsResource.S3Uri);
    const hash = /([0-9a-f]{64})\.json/.exec(uri)?.[1];
    expect(uri).toMatch(/s3:\/\/cdk-[^/]*-assets-/);
    expect(hash).toBeDefined();
    const assets = JSON.parse(
      readFileSync(join(testAssembly(stack), `${stack.artifactId}.assets.json`), 'utf8'),
    );
    const file = assets.files[hash!].source.path as string;
    expect(JSON.parse(readFileSync(join(testAssembly(stack), file), 'utf8'))).toEqual({
      version: 0,
      binary_classification_constraints: {
        auc: { threshold: 0.9, comparison_operator: 'LessThanThreshold' },
      },
    });
  });

  test('alarms on the gate metric in the model-metrics namespace of the endpoint and schedule', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.Namespace === 'aws/sagemaker/Endpoints/model-metrics',
    );
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0].Properties;
    expect(alarm).toMatchObject({
      Namespace: 'aws/sagemaker/Endpoints/model-metrics',
      MetricName: 'auc',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 0.9,
    });
    expect(alarm.Dimensions.map((d: { Name: string }) => d.Name).sort()).toEqual([
      'Endpoint',
      'MonitoringSchedule',
    ]);
    expect(alarm.Dimensions).toContainEqual({
      Name: 'MonitoringSchedule',
      Value: 'mlenv-prod-churn-model-quality',
    });
  });

  test('reads only its own capture and ground truth, writes only its own reports', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const resources = JSON.stringify(statements);
    expect(resources).toContain('churn/data-capture/*');
    expect(resources).toContain('churn/ground-truth/*');
    expect(resources).toContain('churn/model-quality/*');
    expect(resources).not.toMatch(/"arn:[^"]*monitoring\/\*"/);
  });

  test('reads of the CDK assets bucket are limited to the one constraints object', () => {
    const uri = JSON.stringify(definition.ModelQualityBaselineConfig.ConstraintsResource.S3Uri);
    const key = /([0-9a-f]{64}\.json)/.exec(uri)![1];
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Resource: unknown }[],
    );
    const onAssets = statements.filter((s) => JSON.stringify(s.Resource).includes('-assets-'));
    expect(onAssets).not.toHaveLength(0);
    for (const statement of onAssets) {
      const resources = [statement.Resource].flat().map((r) => JSON.stringify(r));
      for (const resource of resources) expect(resource).toContain(key);
    }
  });

  test('violations notify; without retrain, nothing is started', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern).toEqual({
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Processing Job State Change'],
      detail: {
        MonitoringScheduleArn: [
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:monitoring-schedule/mlenv-prod-churn-model-quality`,
        ],
        ExitMessage: [{ prefix: 'CompletedWithViolations' }],
      },
    });
    expect(rules[0].Properties.Targets).toHaveLength(1);
  });
});

describe('ModelQualityMonitor with retraining', () => {
  test('a quality drop starts the given state machine on the latest dataset with reason model-quality', () => {
    const stack = new Stack(testApp(), 'Machine', { env: { account: ACCOUNT, region: REGION } });
    const machine = sfn.StateMachine.fromStateMachineArn(
      stack,
      'M',
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:mlenv-prod-churn`,
    );
    const { template } = monitor({ retrain: { stateMachine: machine } });
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    const target = rule.Properties.Targets.find((t: { Arn: string }) =>
      String(t.Arn).includes('stateMachine'),
    );
    const input = JSON.parse(JSON.stringify(target.InputTransformer ?? { InputTemplate: target.Input }));
    expect(JSON.stringify(input)).toContain('\\"reason\\":\\"model-quality\\"');
    expect(JSON.stringify(input)).toContain('\\"datasetVersion\\":\\"latest\\"');
  });
});

describe('model-quality constraints of a gate', () => {
  test.each([
    ['>=', 'LessThanThreshold'],
    ['>', 'LessThanOrEqualToThreshold'],
    ['<=', 'GreaterThanThreshold'],
    ['<', 'GreaterThanOrEqualToThreshold'],
  ] as const)('a gate %s is violated when the metric is %s', (operator, comparison) => {
    expect(
      modelQualityConstraints(ProblemType.REGRESSION, { metric: 'rmse', operator, threshold: 40 }),
    ).toEqual({
      version: 0,
      regression_constraints: { rmse: { threshold: 40, comparison_operator: comparison } },
    });
  });

  test('a multiclass gate on a metric Model Monitor does not compute is refused, naming it', () => {
    expect(() =>
      modelQualityConstraints(ProblemType.MULTICLASS_CLASSIFICATION, {
        metric: 'f1_macro',
        operator: '>=',
        threshold: 0.8,
      }),
    ).toThrow(/f1_macro.*not a metric Model Monitor computes/);
    expect(
      modelQualityConstraints(ProblemType.MULTICLASS_CLASSIFICATION, {
        metric: 'accuracy',
        operator: '>=',
        threshold: 0.8,
      }),
    ).toHaveProperty('multiclass_classification_constraints.accuracy.threshold', 0.8);
  });

  test('the construct refuses such a gate at construction', () => {
    expect(() =>
      monitor({
        problemType: ProblemType.MULTICLASS_CLASSIFICATION,
        qualityGate: { metric: 'recall_macro', operator: '>=', threshold: 0.5 },
      }),
    ).toThrow(/recall_macro/);
  });
});

/** The assembly directory of the test app the stack is in (synthesized by Template.fromStack). */
function testAssembly(stack: Stack): string {
  return (stack.node.root as unknown as { outdir: string }).outdir;
}

describe('the cost of a model-quality schedule', () => {
  test('is priced like the drift schedule: processing instance-hours of each run at its time limit, hourly runs', () => {
    const { stack } = monitor();
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [cost] = monitoringScheduleCosts(
      templateResources({ Serving: template }),
      new RegionPriceList(PRICE_TABLE, REGION),
      730,
    );
    const price = new RegionPriceList(PRICE_TABLE, REGION).sagemaker('processing', 'ml.m5.large');
    expect('price' in price).toBe(true);
    const hourly = (price as { price: { usd: number } }).price.usd;
    expect(cost).toMatchObject({ instanceType: 'ml.m5.large', instanceCount: 1, maxRuntimeSeconds: 1800 });
    expect(cost.perExecutionUsd).toBeCloseTo(hourly * (1800 / 3600), 10);
    expect(cost.executionsPerMonth).toBe(730);
  });
});
