import type { App } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TrainingPipeline, type TuningOptions } from '../../constructs';
import type { JsonObject } from '../../cfn/json-values';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { runSampleExecution } from '../../lib/tools/authorization/sample-execution';
import { taskCalls } from '../../lib/tools/authorization/state-machine-calls';
import { checkAll, cleanlyAllowed, cleanlyDenied, describeChecked } from '../support/checked-calls';
import { GOOD_EVALUATION } from '../support/pipeline-harness';
import { pipelineFixture } from '../support/training-fixtures';

/*
 * A tuned pipeline's Tune state against its own synthesized policies (the state machine's role,
 * the job role and its trust, the data key): every call of the state and of its trials is allowed,
 * and the same calls for another model's tuning job, or with another role, are denied.
 */

type Json = Record<string, any>;

const TUNING: TuningOptions = {
  objective: { metric: 'validation:auc', direction: 'Maximize' },
  ranges: { 'max-depth': { type: 'integer', min: 2, max: 5 } },
  maxJobs: 3,
  maxParallelJobs: 1,
};
const { stack, props } = pipelineFixture();
const pipeline = new TrainingPipeline(stack, 'Pipeline', {
  ...props,
  hyperparameters: { 'max-depth': 3 },
  metricDefinitions: [{ name: 'validation:auc', regex: 'metric validation:auc=(-?[0-9.]+)' }],
  tuning: TUNING,
});
const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
const machine = authz.inventory.deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find(
    (m) => m.logicalId === stack.getLogicalId(pipeline.stateMachine.node.defaultChild as sfn.CfnStateMachine),
  )!;
const RESOURCE = 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync';
const callsOf = (parameters: Json) =>
  taskCalls(authz.inventory, machine, { name: 'Tune', resource: RESOURCE }, parameters);

/** The Tune request of a sample run of the pipeline, as the state sends it. */
let tune: Json;
beforeAll(async () => {
  const definition = authz.inventory.deployed.definition(machine) as JsonObject;
  const sample = await runSampleExecution(definition, authz.inventory.deployed.ref(machine), {
    input: { datasetS3Uri: 's3://test-data-raw/churn/versions/v1/', datasetVersion: 'v1', reason: 'drift' },
    objectBody: () => JSON.stringify(GOOD_EVALUATION),
  });
  tune = sample.taskParameters.get('Tune') as Json;
  expect(tune.HyperParameterTuningJobName).toMatch(/^churn-tune-[0-9a-f]{21}$/);
});

test("every call of the Tune state and of its trials is allowed by the pipeline's own policies", async () => {
  const { calls, problems } = callsOf(tune);
  expect(problems).toEqual([]);
  expect(calls.map((c) => c.action)).toEqual(
    expect.arrayContaining([
      'sagemaker:CreateHyperParameterTuningJob',
      'iam:PassRole',
      'events:PutRule',
      'sts:AssumeRole',
      's3:PutObject',
    ]),
  );
  const checked = await checkAll(authz, calls);
  expect(checked.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
});

test("another model's tuning job is denied: its create, describe and stop, and SageMaker taking this model's job role for its trials", async () => {
  const { calls } = callsOf({ ...tune, HyperParameterTuningJobName: 'diabetes-tune-0123456789abcdef' });
  const denied = calls.filter(
    (c) => /HyperParameterTuningJob$/.test(c.action) || c.action === 'sts:AssumeRole',
  );
  expect(denied.map((c) => c.action).sort()).toEqual([
    'sagemaker:CreateHyperParameterTuningJob',
    'sagemaker:DescribeHyperParameterTuningJob',
    'sagemaker:StopHyperParameterTuningJob',
    'sts:AssumeRole',
  ]);
  const checked = await checkAll(authz, denied);
  expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
});

test('the state machine may pass only the job role to its trials', async () => {
  const { calls } = callsOf(tune);
  const pass = calls.find((c) => c.action === 'iam:PassRole')!;
  const otherRole = [...authz.inventory.roles.keys()].find(
    (r) => r !== pass.resource && r !== String(machine.properties.RoleArn),
  )!;
  const checked = await checkAll(authz, [{ ...pass, resource: otherRole }]);
  expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
});
