import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  DataQualityMonitor,
  EndpointAlarms,
  MlDashboard,
  MlDataStore,
  ModelEndpoint,
  PipelineAlarms,
  TrainingPipeline,
} from '../../constructs';
import { testApp } from '../support/test-app';

/**
 * A team whose endpoint, pipeline and data store live in another app uses the monitoring
 * constructs on them through their interfaces.
 */
describe('monitoring constructs on imported resources', () => {
  const stack = new Stack(testApp(), 'TeamMonitoring', {
    env: { account: '444444444444', region: 'eu-west-1' },
  });
  const endpoint = ModelEndpoint.fromModelEndpointAttributes(stack, 'Endpoint', {
    endpointName: 'fraud-prod',
  });
  const pipeline = TrainingPipeline.fromTrainingPipelineAttributes(stack, 'Pipeline', {
    modelName: 'fraud',
    stateMachineArn: 'arn:aws:states:eu-west-1:444444444444:stateMachine:fraud-training',
  });
  const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'Data', {
    bucketNamePrefix: 'team-data',
    encryptionKey: kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:eu-west-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ),
  });
  const alerts = sns.Topic.fromTopicArn(stack, 'Alerts', 'arn:aws:sns:eu-west-1:444444444444:team-alerts');
  new EndpointAlarms(stack, 'EndpointAlarms', { endpoint, clientErrorRatePercent: 5 });
  new PipelineAlarms(stack, 'PipelineAlarms', { pipeline, jobFailures: alerts });
  new DataQualityMonitor(stack, 'Drift', {
    endpoint,
    modelName: 'fraud',
    dataStore,
    schedule: 'cron(0 * ? * * *)',
    scheduleName: 'fraud-prod-data-quality',
    alerts,
    retrain: { stateMachine: pipeline.stateMachine },
  });
  const dashboard = new MlDashboard(stack, 'Dashboard');
  dashboard.addPipeline(pipeline, ['validation:auc']);
  dashboard.addEndpoint(endpoint, 'fraud', true);
  const template = Template.fromStack(stack);
  const text = JSON.stringify(template.toJSON());

  test('the alarms and the drift check watch the imported endpoint by name', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => !JSON.stringify(a).includes('AWS/States'),
    );
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm)).toContain('{"Name":"EndpointName","Value":"fraud-prod"}');
    }
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityJobInput: { EndpointInput: { EndpointName: 'fraud-prod' } },
    });
  });

  test("the pipeline's alarms and job-failure rules watch the imported state machine and its model's jobs", () => {
    expect(text).toContain('arn:aws:states:eu-west-1:444444444444:stateMachine:fraud-training');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { TrainingJobName: [{ prefix: 'fraud-' }] } },
    });
  });

  test("drift retrains the imported pipeline on the newest version of the model's dataset", () => {
    const [rule] = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      String(r.Properties.Description).startsWith('Data drift'),
    );
    const target = (rule.Properties.Targets as Array<Record<string, any>>).find((t) =>
      String(t.Arn).includes(':stateMachine:'),
    )!;
    expect(target.InputTransformer.InputTemplate).toContain(
      '"datasetS3Uri":"s3://team-data-raw/fraud/","datasetVersion":"latest","reason":"drift"',
    );
  });

  test('an imported endpoint gives invoke permission on its ARN', () => {
    expect(endpoint.endpointArn).toContain('endpoint/fraud-prod');
  });
});
