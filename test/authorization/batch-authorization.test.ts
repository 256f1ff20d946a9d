import { createHash } from 'node:crypto';
import { type App, Duration, Stack } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { BatchTransform, MlDataStore, MlInstanceType, ModelLayout } from '../../constructs';
import type { JsonObject } from '../../cfn/json-values';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { runSampleExecution } from '../../lib/tools/authorization/sample-execution';
import { taskCalls } from '../../lib/tools/authorization/state-machine-calls';
import { checkAll, cleanlyAllowed, cleanlyDenied, describeChecked } from '../support/checked-calls';
import { testApp } from '../support/test-app';

/*
 * A batch transform's Transform state (and the stop of one past its time limit) against its own
 * synthesized policies: the state machine's role, the model's role and its trust, the data key
 * and the buckets. Every call of the state and of the job is allowed; the same calls for another
 * model's prefixes or jobs, or as another role, are denied.
 */

type Json = Record<string, any>;

const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
const store = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'DataByName', {
  bucketNamePrefix: 'test-data',
  encryptionKey: store.encryptionKey,
});
const batch = new BatchTransform(stack, 'Batch', {
  modelName: 'diabetes',
  modelPackageArn: 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/test-diabetes/1',
  artifactFilesSha256: createHash('sha256').update('diabetes').digest('hex'),
  dataStore,
  instanceType: MlInstanceType.of('ml.m5.large'),
  maxRuntime: Duration.minutes(30),
});
const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
const machine = authz.inventory.deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find(
    (m) => m.logicalId === stack.getLogicalId(batch.stateMachine.node.defaultChild as sfn.CfnStateMachine),
  )!;
const RESOURCE = 'arn:aws:states:::sagemaker:createTransformJob.sync';
const callsOf = (parameters: Json) =>
  taskCalls(authz.inventory, machine, { name: 'Transform', resource: RESOURCE }, parameters);
const layout = new ModelLayout('diabetes');
const other = new ModelLayout('churn');

/** The Transform request of a sample run, as the state sends it. */
let transform: Json;
beforeAll(async () => {
  const definition = authz.inventory.deployed.definition(machine) as JsonObject;
  const sample = await runSampleExecution(definition, authz.inventory.deployed.ref(machine), {
    input: { batchId: '2026-12-01' },
  });
  transform = sample.taskParameters.get('Transform') as Json;
  expect(transform.TransformJobName).toMatch(/^diabetes-batch-[0-9a-f]{32}$/);
});

test('every call of the Transform state, and of its job as the model, is allowed by its own policies', async () => {
  const { calls, problems } = callsOf(transform);
  expect(problems).toEqual([]);
  expect(calls.map((c) => c.action)).toEqual(
    expect.arrayContaining([
      'sagemaker:CreateTransformJob',
      'sagemaker:DescribeTransformJob',
      'sagemaker:StopTransformJob',
      'events:PutRule',
      'kms:CreateGrant',
      'sts:AssumeRole',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]),
  );
  // CreateTransformJob takes no role: nothing is passed.
  expect(calls.map((c) => c.action)).not.toContain('iam:PassRole');
  const checked = await checkAll(authz, calls);
  expect(checked.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
});

test('the stop of a transform past its time limit is allowed', async () => {
  const { calls, problems } = taskCalls(
    authz.inventory,
    machine,
    { name: 'StopTransformJob', resource: 'arn:aws:states:::aws-sdk:sagemaker:stopTransformJob' },
    { TransformJobName: transform.TransformJobName },
  );
  expect(problems).toEqual([]);
  const checked = await checkAll(authz, calls);
  expect(checked.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
});

test("another model's batches and jobs are denied: its input, its predictions, its transform job", async () => {
  const uri = (bucket: string, dir: string) => `s3://${bucket}/${dir}/`;
  const { calls } = callsOf({
    ...transform,
    TransformJobName: 'churn-batch-0123456789abcdef0123456789abcdef',
    TransformInput: {
      ...transform.TransformInput,
      DataSource: {
        S3DataSource: { S3DataType: 'S3Prefix', S3Uri: uri('test-data-raw', other.batchInputDir('b1')) },
      },
    },
    TransformOutput: {
      ...transform.TransformOutput,
      S3OutputPath: uri('test-data-curated', other.batchPredictionsDir('b1')),
    },
  });
  const denied = calls.filter(
    (c) => /TransformJob$/.test(c.action) || c.action === 's3:GetObject' || c.action === 's3:PutObject',
  );
  expect(denied.map((c) => c.action).sort()).toEqual([
    's3:GetObject',
    's3:PutObject',
    'sagemaker:CreateTransformJob',
    'sagemaker:DescribeTransformJob',
    'sagemaker:StopTransformJob',
  ]);
  const checked = await checkAll(authz, denied);
  expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
});

test("the model's role may not read the model's training data nor write outside its predictions", async () => {
  const { calls } = callsOf({
    ...transform,
    TransformInput: {
      ...transform.TransformInput,
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix',
          S3Uri: `s3://test-data-raw/${layout.datasetPrefix}versions/v1/`,
        },
      },
    },
    TransformOutput: {
      ...transform.TransformOutput,
      S3OutputPath: `s3://test-data-curated/${layout.runDir('r1')}/`,
    },
  });
  const denied = calls.filter((c) => c.action === 's3:GetObject' || c.action === 's3:PutObject');
  expect(denied).toHaveLength(2);
  const checked = await checkAll(authz, denied);
  expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
});

test("another role's calls are denied: the job's reads and writes as any other role of the stack", async () => {
  const { calls } = callsOf(transform);
  const roleArn = calls.find((c) => c.action === 's3:PutObject')!.principal;
  const otherRole = [...authz.inventory.roles.keys()].find((r) => r !== roleArn)!;
  const asOther = calls
    .filter((c) => c.principal === roleArn && (c.action === 's3:GetObject' || c.action === 's3:PutObject'))
    .map((c) => ({ ...c, principal: otherRole }));
  expect(asOther.length).toBeGreaterThan(0);
  const checked = await checkAll(authz, asOther);
  expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
});
