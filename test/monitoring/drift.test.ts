import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { ALL_PINNED, churnPin, configWithPins } from '../support/pins';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
const BASELINE = {
  statisticsS3Uri: 's3://mlenv-staging-222222222222-eu-west-1-models/churn/runs/abc/baseline/statistics.json',
  constraintsS3Uri:
    's3://mlenv-staging-222222222222-eu-west-1-models/churn/runs/abc/baseline/constraints.json',
};
const pins = {
  ...ALL_PINNED,
  staging: { churn: { ...churnPin('staging', '222222222222').churn, dataQualityBaseline: BASELINE } },
};
const { assembly, config } = synthesizePlatform({
  outdir: mkdtempSync(join(tmpdir(), 'mlenv-drift-')),
  config: configWithPins(pins),
});
const environment = (name: string) => config.environments.find((e) => e.name === name)!;
/** Environments with instance endpoints capture data, so they check it for drift. */
const capturing = config.environments.filter((e) => e.serving.kind === 'instance');
const stack = (id: string) =>
  assembly.stacksRecursively.find((s) => s.hierarchicalId === id) as CloudFormationStackArtifact;
const ofType = (id: string, type: string) =>
  Object.values(stack(id).template.Resources as Resources).filter((r) => r.Type === type);

describe('drift monitoring', () => {
  test('checks the captured data of instance endpoints against the pinned package baseline, on the knob schedule', () => {
    const [definition] = ofType('Staging/ChurnModel', 'AWS::SageMaker::DataQualityJobDefinition');
    expect(definition.Properties.DataQualityBaselineConfig).toEqual({
      ConstraintsResource: { S3Uri: BASELINE.constraintsS3Uri },
      StatisticsResource: { S3Uri: BASELINE.statisticsS3Uri },
    });
    expect(definition.Properties.DataQualityAppSpecification.ImageUri).toBe(
      '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest',
    );
    expect(definition.Properties.DataQualityJobInput.EndpointInput.EndpointName).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ChurnEndpoint/), 'EndpointName'],
    });
    const [schedule] = ofType('Staging/ChurnModel', 'AWS::SageMaker::MonitoringSchedule');
    expect(schedule.Properties).toMatchObject({
      MonitoringScheduleName: 'mlenv-staging-churn-data-quality',
      MonitoringScheduleConfig: {
        MonitoringType: 'DataQuality',
        ScheduleConfig: { ScheduleExpression: environment('staging').monitoring.driftSchedule },
      },
    });
  });

  test('the checks are KMS-encrypted, network-isolated, in the VPC, time-limited, and report to the monitoring bucket', () => {
    const [definition] = ofType('Prod/ChurnModel', 'AWS::SageMaker::DataQualityJobDefinition');
    const p = definition.Properties;
    expect(p.DataQualityJobOutputConfig.KmsKeyId).toBeDefined();
    expect(p.DataQualityJobOutputConfig.MonitoringOutputs[0].S3Output.S3Uri).toBe(
      's3://mlenv-prod-333333333333-eu-west-1-monitoring/churn/data-quality',
    );
    expect(p.JobResources.ClusterConfig.VolumeKmsKeyId).toBeDefined();
    expect(p.NetworkConfig).toMatchObject({
      EnableNetworkIsolation: true,
      VpcConfig: { SecurityGroupIds: [expect.anything()], Subnets: [expect.anything(), expect.anything()] },
    });
    expect(p.StoppingCondition.MaxRuntimeInSeconds).toBeLessThanOrEqual(3600);
    expect(p.DataQualityBaselineConfig).toBeUndefined(); // prod's pin has no baseline: statistics only (synth warns)
    expect(stack('Prod/ChurnModel').messages.map((m) => m.entry.data)).toContainEqual(
      expect.stringContaining('without dataQualityBaseline'),
    );
  });

  test('a check with violations alerts people and, where the knob allows, starts retraining with reason drift', () => {
    expect(capturing.map((e) => e.name)).toEqual(expect.arrayContaining(['staging', 'prod']));
    for (const env of capturing) {
      const [rule] = ofType(`${env.stageId}/ChurnModel`, 'AWS::Events::Rule').filter((r) =>
        r.Properties.Description?.startsWith('Data drift'),
      );
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Processing Job State Change'],
        detail: {
          MonitoringScheduleArn: [
            `arn:aws:sagemaker:${env.region}:${env.account}:monitoring-schedule/${config.project}-${env.name}-churn-data-quality`,
          ],
          ExitMessage: [{ prefix: 'CompletedWithViolations' }],
        },
      });
      const targets = rule.Properties.Targets as Array<Record<string, any>>;
      expect(JSON.stringify(targets[0].Arn)).toContain('Operations:ExportsOutputRefAlerts');
      const pipeline = targets.find((t) => JSON.stringify(t.Arn).includes('StateMachine'));
      expect(pipeline !== undefined).toBe(env.monitoring.retrainOnDrift);
      if (pipeline) {
        expect(pipeline.InputTransformer.InputTemplate).toContain('"reason":"drift"');
        // The newest pushed version: the pipeline replaces the dataset's prefix with what latest.json names.
        expect(pipeline.InputTransformer.InputTemplate).toContain(
          `"datasetS3Uri":"s3://${config.project}-${env.name}-${env.account}-${env.region}-raw/churn/","datasetVersion":"latest"`,
        );
      }
    }
  });

  test('serverless environments (no data capture) have no drift monitor', () => {
    const serverless = config.environments.filter((e) => e.serving.kind === 'serverless');
    for (const env of serverless) {
      expect(ofType(`${env.stageId}/ChurnModel`, 'AWS::SageMaker::MonitoringSchedule')).toEqual([]);
      expect(ofType(`${env.stageId}/ChurnModel`, 'AWS::SageMaker::DataQualityJobDefinition')).toEqual([]);
    }
  });

  test("the monitor's role reads capture and baselines of its model only, and writes its reports", () => {
    const statements = ofType('Staging/ChurnModel', 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('ChurnDataQualityRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const s3 = JSON.stringify(
      statements.filter((s) => JSON.stringify(s.Action).includes('s3:')).map((s) => s.Resource),
    );
    expect(s3).toContain('-monitoring/churn/data-capture/*');
    expect(s3).toContain('-monitoring/churn/data-quality/*');
    expect(s3).toContain('-models/churn/*');
    expect(s3).not.toContain('-raw');
  });
});
