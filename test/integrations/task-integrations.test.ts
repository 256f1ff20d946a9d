import { integrationNamed, TASK_INTEGRATIONS, taskIntegration } from '../../lib/tools/integrations/kinds';
import { parseTaskResource } from '../../lib/tools/integrations/task-integration';
import { TUNING_JOB } from '../../lib/tools/integrations/tuning-job';

/**
 * Task resources as Step Functions' developer guide writes them ("Service integration patterns":
 * request response, `.sync`, `.sync:2` for Step Functions, `.waitForTaskToken`; "AWS SDK
 * integrations": `arn:aws:states:::aws-sdk:<service>:<apiAction>`).
 */
const DOCUMENTED: ReadonlyArray<readonly [string, { api: string; pattern: string }]> = [
  [
    'arn:aws:states:::sagemaker:createTrainingJob.sync',
    { api: 'sagemaker:createTrainingJob', pattern: 'sync' },
  ],
  ['arn:aws:states:::glue:startJobRun', { api: 'glue:startJobRun', pattern: 'request-response' }],
  ['arn:aws:states:::states:startExecution.sync:2', { api: 'states:startExecution', pattern: 'sync:2' }],
  [
    'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
    { api: 'sqs:sendMessage', pattern: 'wait-for-task-token' },
  ],
  [
    'arn:aws-us-gov:states:::aws-sdk:s3:getObject',
    { api: 'aws-sdk:s3:getObject', pattern: 'request-response' },
  ],
  // A template's definition before deploy: the partition is still a reference.
  [
    'arn:${AWS::Partition}:states:::codebuild:startBuild.sync',
    { api: 'codebuild:startBuild', pattern: 'sync' },
  ],
];

test.each(DOCUMENTED)('%s is the integration %o', (resource, expected) => {
  expect(parseTaskResource(resource)).toEqual(expected);
});

test('a Lambda function ARN or an activity is not a service integration', () => {
  expect(parseTaskResource('arn:aws:lambda:eu-west-1:123456789012:function:score')).toBeUndefined();
  expect(parseTaskResource('arn:aws:states:eu-west-1:123456789012:activity:review')).toBeUndefined();
});

test('each integration is answered by exactly one kind', () => {
  const apis = TASK_INTEGRATIONS.flatMap((kind) => kind.apis);
  expect(new Set(apis).size).toBe(apis.length);
  for (const kind of TASK_INTEGRATIONS) for (const api of kind.apis) expect(integrationNamed(api)).toBe(kind);
});

test('a task of an integration no kind models names where to add one', () => {
  expect(taskIntegration('arn:aws:states:::dynamodb:putItem')).toEqual({
    problem: expect.stringContaining(
      'no model of the dynamodb:putItem integration: add a kind to lib/tools/integrations',
    ),
  });
  expect(taskIntegration('arn:aws:lambda:eu-west-1:123456789012:function:score')).toEqual({
    problem: expect.stringContaining('no model of Task resource'),
  });
});

test('a hyperparameter tuning task (createHyperParameterTuningJob.sync) is the tuning-job kind', () => {
  // The integration as Step Functions' SageMaker page names it, with and without .sync.
  for (const resource of [
    'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
    'arn:aws:states:::sagemaker:createHyperParameterTuningJob',
  ]) {
    const found = taskIntegration(resource);
    expect(found).toMatchObject({ api: 'sagemaker:createHyperParameterTuningJob' });
    expect('integration' in found && found.integration).toBe(TUNING_JOB);
  }
  expect(TUNING_JOB.deniedError).toBe('SageMaker.AmazonSageMakerException');
});
