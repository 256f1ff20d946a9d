import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { METRIC_GROUPS } from '../../config/evaluation-metrics';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { ALL_PINNED, configWithPins } from '../support/pins';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Every environment serving every configured model (test pins): where is model quality watched? */
const { app, config } = buildPlatformApp({
  outdir: mkdtempSync(join(tmpdir(), 'mlenv-model-quality-')),
  config: configWithPins(ALL_PINNED),
});
const assembly = app.synth();
const stack = (id: string) =>
  assembly.stacksRecursively.find((s) => s.hierarchicalId === id) as CloudFormationStackArtifact;
const ofType = (id: string, type: string) =>
  Object.values(stack(id).template.Resources as Resources).filter((r) => r.Type === type);
const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());

/** Model Monitor's name of each problem type (CloudFormation's ModelQualityAppSpecification.ProblemType). */
const MONITOR_PROBLEM_TYPES: Record<string, string> = {
  binary_classification: 'BinaryClassification',
  multiclass_classification: 'MulticlassClassification',
  regression: 'Regression',
};
/** A gate holds when `metric operator threshold`; the alarm fires on its negation. */
const ALARM_ON: Record<string, string> = {
  '>=': 'LessThanThreshold',
  '>': 'LessThanOrEqualToThreshold',
  '<=': 'GreaterThanThreshold',
  '<': 'GreaterThanOrEqualToThreshold',
};

const capturing = config.environments.filter(
  (e) => e.serving.kind === 'instance' && e.serving.dataCapturePercent > 0,
);
const realTime = config.models.filter((m) => m.serving.mode === 'endpoint');

describe('model-quality monitoring', () => {
  test('the configuration has real-time models and environments whose endpoints capture data', () => {
    expect(realTime.length).toBeGreaterThan(0);
    expect(capturing.filter((e) => e.name !== 'local').length).toBeGreaterThan(0);
  });

  test.each(capturing.flatMap((env) => realTime.map((model) => [env.name, model.name] as const)))(
    '%s watches the model quality of %s: its problem type, on the knob schedule, alarmed on its gate',
    (envName, modelName) => {
      const env = config.environments.find((e) => e.name === envName)!;
      const model = config.models.find((m) => m.name === modelName)!;
      const id = `${env.stageId}/${pascal(model.name)}Model`;
      const [definition] = ofType(id, 'AWS::SageMaker::ModelQualityJobDefinition');
      expect(definition).toBeDefined();
      expect(definition.Properties.ModelQualityAppSpecification.ProblemType).toBe(
        MONITOR_PROBLEM_TYPES[model.problemType],
      );
      expect(definition.Properties.NetworkConfig.EnableNetworkIsolation).toBe(true);
      expect(definition.Properties.ModelQualityJobOutputConfig.KmsKeyId).toBeDefined();
      if (env.network === 'vpc') expect(definition.Properties.NetworkConfig.VpcConfig).toBeDefined();
      const schedules = ofType(id, 'AWS::SageMaker::MonitoringSchedule').filter(
        (s) => s.Properties.MonitoringScheduleConfig.MonitoringType === 'ModelQuality',
      );
      expect(schedules).toHaveLength(1);
      expect(schedules[0].Properties.MonitoringScheduleConfig.ScheduleConfig.ScheduleExpression).toBe(
        env.monitoring.modelQuality.schedule,
      );
      const alarms = ofType(id, 'AWS::CloudWatch::Alarm').filter(
        (a) => a.Properties.Namespace === 'aws/sagemaker/Endpoints/model-metrics',
      );
      expect(alarms).toHaveLength(1);
      expect(alarms[0].Properties).toMatchObject({
        MetricName: model.qualityGate.metric,
        Threshold: model.qualityGate.threshold,
        ComparisonOperator: ALARM_ON[model.qualityGate.operator],
      });
      // One incident, one message: the violations rule notifies (below); the alarm shows the state.
      expect(alarms[0].Properties.AlarmActions).toBeUndefined();
      // The gate's operator agrees with its metric's better direction (ml/evaluation-metrics.json).
      const better = METRIC_GROUPS[model.problemType][model.qualityGate.metric];
      expect(better === 'higher').toBe(model.qualityGate.operator.startsWith('>'));
    },
  );

  test.each(capturing.map((env) => [env.name] as const))(
    '%s: a model-quality violation is notified, and starts retraining exactly where modelQuality.retrain is on',
    (envName) => {
      const env = config.environments.find((e) => e.name === envName)!;
      for (const model of realTime) {
        const id = `${env.stageId}/${pascal(model.name)}Model`;
        const [rule] = ofType(id, 'AWS::Events::Rule').filter((r) =>
          String(r.Properties.Description).startsWith('Model quality'),
        );
        expect(rule.Properties.EventPattern.detail.ExitMessage).toEqual([
          { prefix: 'CompletedWithViolations' },
        ]);
        const starts = rule.Properties.Targets.filter(
          (t: any) =>
            JSON.stringify(t.Arn).includes('StateMachine') || JSON.stringify(t.Arn).includes('Pipeline'),
        );
        expect(starts.length).toBe(env.monitoring.modelQuality.retrain ? 1 : 0);
        // It tells the alert topic, always.
        expect(JSON.stringify(rule.Properties.Targets)).toContain('Operations:ExportsOutputRefAlerts');
        if (starts.length) expect(JSON.stringify(starts[0])).toContain('model-quality');
      }
    },
  );

  test('environments whose endpoints capture nothing (serverless) have no model-quality check', () => {
    for (const env of config.environments.filter((e) => !capturing.includes(e))) {
      for (const model of config.models) {
        expect(
          ofType(`${env.stageId}/${pascal(model.name)}Model`, 'AWS::SageMaker::ModelQualityJobDefinition'),
        ).toEqual([]);
      }
    }
  });
});
