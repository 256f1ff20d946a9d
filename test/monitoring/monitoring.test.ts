import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { ALL_PINNED, configWithPins } from '../support/pins';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const { assembly, config } = synthesizePlatform({
  outdir: mkdtempSync(join(tmpdir(), 'mlenv-monitoring-')),
  config: configWithPins(ALL_PINNED),
});
const stack = (id: string) =>
  assembly.stacksRecursively.find((s) => s.hierarchicalId === id) as CloudFormationStackArtifact;
const ofType = (id: string, type: string) =>
  Object.entries(stack(id).template.Resources as Resources).filter(([, r]) => r.Type === type);
/** The churn model's stack (`<Model>Model`): its pipeline, and its endpoint where served. */
const churn = (stageId: string) => `${stageId}/ChurnModel`;
const alertsRef = (id: string) =>
  JSON.stringify(stack(id).template).includes('Operations:ExportsOutputRefAlerts');

describe.each(config.environments.map((e) => [e.stageId, e] as const))('monitoring of %s', (stageId, env) => {
  const knobs = env.monitoring;

  test('pipeline executions that fail, time out or are aborted raise alarms to the alert topic', () => {
    const alarms = ofType(churn(stageId), 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.Namespace === 'AWS/States');
    expect(alarms.map((a) => a.MetricName).sort()).toEqual([
      'ExecutionsAborted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'AWS/States',
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(alarm.Dimensions[0].Name).toBe('StateMachineArn');
      expect(JSON.stringify(alarm.AlarmActions)).toContain('Operations:ExportsOutputRefAlerts');
    }
  });

  test('failed training and processing jobs of the pipeline are reported to the alert topic', () => {
    const rules = ofType(churn(stageId), 'AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((r) => r.EventPattern?.source?.[0] === 'aws.sagemaker')
      // Not the drift monitor's rule (on its schedule's checks), which the drift tests cover.
      .filter((r) => r.EventPattern.detail?.MonitoringScheduleArn === undefined);
    expect(rules.map((r) => r.EventPattern['detail-type'][0]).sort()).toEqual([
      'SageMaker Processing Job State Change',
      'SageMaker Training Job State Change',
    ]);
    const training = rules.find(
      (r) => r.EventPattern['detail-type'][0] === 'SageMaker Training Job State Change',
    )!;
    expect(training.EventPattern.detail).toEqual({
      TrainingJobName: [{ prefix: 'churn-' }],
      TrainingJobStatus: ['Failed'],
    });
    expect(JSON.stringify(training.Targets)).toContain('Operations:ExportsOutputRefAlerts');
    expect(training.Targets[0].InputTransformer.InputPathsMap).toMatchObject({
      'detail-FailureReason': '$.detail.FailureReason',
    });
  });

  test('endpoint alarms use the knobs, and only the composite alarm notifies', () => {
    const alarms = ofType(churn(stageId), 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      // The endpoint's alarms: not the pipeline's, nor the model-quality check's (test/monitoring/model-quality.test.ts).
      .filter((a) => a.Namespace !== 'AWS/States' && a.Namespace !== 'aws/sagemaker/Endpoints/model-metrics');
    const byMetric = (name: string) => alarms.find((a) => a.MetricName === name);
    expect(byMetric('Invocation5XXErrors')).toMatchObject({ Threshold: knobs.endpoint5xxPerMinute });
    expect(byMetric('ModelLatency')).toMatchObject({
      Threshold: env.serving.latencyAlarmMs * 1000,
      ExtendedStatistic: 'p99',
    });
    const rate = alarms.find((a) => a.Metrics)!;
    expect(rate.Threshold).toBe(knobs.endpoint4xxRatePercent);
    expect(rate.Metrics[0].Expression).toBe('IF(invocations > 0, 100 * errors / invocations, 0)');
    const utilization = ['CPUUtilization', 'MemoryUtilization', 'DiskUtilization'].map(byMetric);
    if (env.serving.kind === 'instance') {
      expect(utilization.map((a) => a?.Threshold)).toEqual([
        knobs.cpuPercent,
        knobs.memoryPercent,
        knobs.diskPercent,
      ]);
      expect(utilization.every((a) => a?.Namespace === '/aws/sagemaker/Endpoints')).toBe(true);
    } else {
      expect(utilization).toEqual([undefined, undefined, undefined]);
    }
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeUndefined();
    const [[, composite]] = ofType(churn(stageId), 'AWS::CloudWatch::CompositeAlarm');
    expect(JSON.stringify(composite.Properties.AlarmActions)).toContain('Operations:ExportsOutputRefAlerts');
    expect((JSON.stringify(composite.Properties.AlarmRule).match(/ALARM\(/g) ?? []).length).toBe(
      alarms.length,
    );
  });

  test('the dashboard shows pipeline executions and durations, training metrics, endpoint traffic, latency, errors, utilization and capture', () => {
    const [[, dashboard]] = ofType(`${stageId}/Dashboard`, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of [
      'churn: executions',
      'churn: execution duration',
      'churn: training metrics',
      'churn: invocations',
      'churn: model latency',
      'churn: errors',
      'churn: utilization',
      'Captured data volume',
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of [
      'ExecutionsFailed',
      'ExecutionTime',
      'validation:auc',
      'Invocations',
      'p99',
      'Invocation5XXErrors',
      'Invocation4XXErrors',
      'BucketSizeBytes',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body.includes('CPUUtilization')).toBe(env.serving.kind === 'instance');
    expect(dashboard.Properties.DashboardName).toBe(`mlenv-${env.name}`);
  });

  test('a monthly cost budget reports 80 % actual and 100 % forecast to the alert topic, which lets Budgets publish', () => {
    const [[, budget]] = ofType(`${stageId}/Operations`, 'AWS::Budgets::Budget');
    expect(budget.Properties.Budget).toEqual({
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: knobs.monthlyBudgetUsd, Unit: 'USD' },
    });
    expect(
      budget.Properties.NotificationsWithSubscribers.map((n: any) => [
        n.Notification.NotificationType,
        n.Notification.Threshold,
      ]),
    ).toEqual([
      ['ACTUAL', 80],
      ['FORECASTED', 100],
    ]);
    expect(budget.Properties.NotificationsWithSubscribers[0].Subscribers[0]).toMatchObject({
      SubscriptionType: 'SNS',
      Address: { Ref: expect.stringMatching(/^Alerts/) },
    });
    const [[, policy]] = ofType(`${stageId}/Operations`, 'AWS::SNS::TopicPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'AwsBudgetsPublish',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sns:Publish',
      }),
    );
    expect(alertsRef(churn(stageId))).toBe(true);
  });
});
