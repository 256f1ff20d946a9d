import { createHash } from 'node:crypto';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import aslValidator from 'asl-validator';
import fc from 'fast-check';
import {
  BatchTransform,
  type BatchTransformProps,
  isRunString,
  MlDataStore,
  MlInstanceType,
  ModelLayout,
} from '../../constructs';
import { deploymentReader } from '../../cfn/template-intrinsics';
import { awsError, runPipeline } from '../support/pipeline-harness';
import { testApp } from '../support/test-app';

const PACKAGE = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-diabetes/3';
const FILES_SHA256 = createHash('sha256').update('the files of the diabetes artifact').digest('hex');
const MODEL = 'diabetes';
const layout = new ModelLayout(MODEL);
const RAW = 'test-data-raw';
const CURATED = 'test-data-curated';

function batch(props: Partial<BatchTransformProps> = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Serving', { env: { account: '111111111111', region: 'eu-west-1' } });
  const store = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'test-data' });
  const dataStore = MlDataStore.fromMlDataStoreAttributes(stack, 'ByName', {
    bucketNamePrefix: 'test-data',
    encryptionKey: store.encryptionKey,
  });
  const construct = new BatchTransform(stack, 'Diabetes', {
    modelName: MODEL,
    modelPackageArn: PACKAGE,
    artifactFilesSha256: FILES_SHA256,
    dataStore,
    instanceType: MlInstanceType.of('ml.m5.xlarge'),
    instanceCount: 2,
    maxConcurrentTransforms: 2,
    maxPayload: Size.mebibytes(6),
    maxRuntime: Duration.minutes(120),
    schedule: events.Schedule.expression('cron(0 2 * * ? *)'),
    ...props,
  });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const reader = deploymentReader(assembly);
  const definition = reader.stateMachineDefinition(
    machine.Properties,
    reader.stacks!.find((s) => s.id === 'Serving')!,
  ) as Record<string, any>;
  return { construct, template, definition };
}

describe('BatchTransform', () => {
  const { template, definition } = batch();
  const transform = definition.States.Transform;

  test('a network-isolated model of the pinned package, with the artifact digest, running as its own role', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Containers: [{ ModelPackageName: PACKAGE, Environment: { MLENV_MODEL_FILES_SHA256: FILES_SHA256 } }],
      EnableNetworkIsolation: true,
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DiabetesRole'), 'Arn'] },
    });
    // SageMaker assumes the role with the literal aws:SourceArn arn:...:sagemaker:<region>:<account>:*
    // (inference), or a transform job of this model's: nothing else of the account may.
    const roles = template.findResources('AWS::IAM::Role');
    const [role] = Object.entries(roles).filter(([id]) => id.startsWith('DiabetesRole'));
    const conditions = (
      role[1].Properties.AssumeRolePolicyDocument.Statement as Array<Record<string, any>>
    ).map((s) => ({ principal: s.Principal.Service, condition: s.Condition }));
    expect(conditions).toEqual([
      {
        principal: 'sagemaker.amazonaws.com',
        condition: {
          StringEquals: {
            'aws:SourceAccount': '111111111111',
            'aws:SourceArn': 'arn:aws:sagemaker:eu-west-1:111111111111:*',
          },
        },
      },
      {
        principal: 'sagemaker.amazonaws.com',
        condition: {
          StringEquals: { 'aws:SourceAccount': '111111111111' },
          ArnLike: {
            'aws:SourceArn': 'arn:aws:sagemaker:eu-west-1:111111111111:transform-job/diabetes-batch-*',
          },
        },
      },
    ]);
  });

  test('its definition is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(isValid ? '' : errorsText('\n')).toBe('');
  });

  test('runs one transform job with .sync, as CreateTransformJob names its fields', () => {
    expect(transform.Resource).toMatch(/^arn:aws:states:::sagemaker:createTransformJob\.sync$/);
    const p = transform.Parameters;
    expect(p).toMatchObject({
      BatchStrategy: 'MultiRecord',
      MaxConcurrentTransforms: 2,
      MaxPayloadInMB: 6,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
      },
      TransformOutput: { AssembleWith: 'Line' },
      TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 2 },
      DataProcessing: { JoinSource: 'Input' },
    });
    // The trap: ec2.InstanceType renders ml.ml.*.
    expect(JSON.stringify(p)).not.toContain('ml.ml.');
    // s3:// URIs, not the https:// URLs of S3Location.fromBucket.
    expect(p.TransformInput.DataSource.S3DataSource['S3Uri.$']).toBe(
      `States.Format('s3://${RAW}/${layout.batchInputDir('{}')}/', $.batchId)`,
    );
    expect(p.TransformOutput['S3OutputPath.$']).toBe(
      `States.Format('s3://${CURATED}/${layout.batchPredictionsDir('{}')}/', $.batchId)`,
    );
    // The output and the volumes are encrypted with the data key.
    expect(p.TransformOutput.KmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:111111111111:key\//);
    expect(p.TransformResources.VolumeKmsKeyId).toBe(p.TransformOutput.KmsKeyId);
    // The transform is stopped at its maximum runtime.
    expect(transform.TimeoutSeconds).toBe(120 * 60);
    expect(transform.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: 'StopTransformJob' }),
    ]);
  });

  test("the state machine's role runs and tracks the model's transform jobs only, and passes no role", () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.entries(policies)
      .filter(([id]) => id.startsWith('DiabetesStateMachineRole'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    const run = statements.find((s) => s.Sid === 'RunTransformJobs')!;
    expect(run.Action).toEqual([
      'sagemaker:CreateTransformJob',
      'sagemaker:DescribeTransformJob',
      'sagemaker:StopTransformJob',
    ]);
    expect(JSON.stringify(run.Resource)).toContain(':transform-job/diabetes-batch-*');
    const track = statements.find((s) => s.Sid === 'TrackJobsWithEventBridge')!;
    expect(JSON.stringify(track.Resource)).toContain(
      ':rule/StepFunctionsGetEventsForSageMakerTransformJobsRule',
    );
    // CreateTransformJob takes no RoleArn: the job runs as the model's role, nothing is passed.
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('iam:PassRole');
  });

  test('starts on the schedule (newest batch) and when a new batch is complete (its latest.json)', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties);
    const scheduled = rules.find((r) => r.ScheduleExpression)!;
    expect(scheduled.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(JSON.parse(scheduled.Targets[0].Input)).toEqual({ batchId: 'latest', reason: 'schedule' });
    const arrival = rules.find((r) => r.EventPattern)!;
    expect(arrival.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [RAW] }, object: { key: [layout.latestBatchKey] } },
    });
    // EventBridge may start the machine only for rules of its own account.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '111111111111' } }),
          }),
        ],
      },
    });
  });

  test('refuses bad props, listing every problem', () => {
    expect(() =>
      batch({
        modelName: 'Diabetes',
        modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-diabetes',
        artifactFilesSha256: 'abc',
        instanceCount: 0,
        maxConcurrentTransforms: 101,
        maxPayload: Size.mebibytes(101),
        maxRuntime: Duration.days(3),
      }),
    ).toThrow(
      /modelName[\s\S]*modelPackageArn[\s\S]*artifactFilesSha256[\s\S]*instanceCount[\s\S]*maxConcurrentTransforms[\s\S]*maxPayload[\s\S]*maxRuntime/,
    );
  });

  test('refuses maxPayload × maxConcurrentTransforms above 100 MB (CreateTransformJob MaxPayloadInMB)', () => {
    // AWS: "If you specify MaxConcurrentTransforms, the value of (MaxConcurrentTransforms *
    // MaxPayloadInMB) also cannot exceed 100 MB."
    expect(() => batch({ maxConcurrentTransforms: 20, maxPayload: Size.mebibytes(6) })).toThrow(
      /maxConcurrentTransforms × maxPayload/,
    );
    expect(() => batch({ maxConcurrentTransforms: 16, maxPayload: Size.mebibytes(6) })).not.toThrow();
  });

  describe('run locally (aws-local-stepfunctions)', () => {
    const answerTransform = (p: Record<string, any>) => ({
      TransformJobName: p.TransformJobName,
      TransformJobArn: `arn:aws:sagemaker:eu-west-1:111111111111:transform-job/${p.TransformJobName}`,
      TransformJobStatus: 'Completed',
      TransformOutput: p.TransformOutput,
    });
    const run = (input: unknown, latest?: unknown) =>
      runPipeline(definition, input, {
        overrides: {
          Transform: answerTransform,
          ReadLatestBatch: (p) => {
            if (latest === undefined || p.Key !== layout.latestBatchKey)
              throw awsError('S3.NoSuchKeyException', 'The specified key does not exist.');
            return { Body: JSON.stringify(latest) };
          },
        },
      });

    test("scores a given batch and the newest one, into the batch's predictions, with a job name within 63 characters", async () => {
      const given = await run({ batchId: '2026-12-01' });
      expect(given.status).toBe('SUCCEEDED');
      const job = given.calls.Transform[0] as Record<string, any>;
      expect(job.TransformJobName).toMatch(/^diabetes-batch-[0-9a-f]{32}$/);
      expect(String(job.TransformJobName).length).toBeLessThanOrEqual(63);
      expect(job.TransformInput.DataSource.S3DataSource.S3Uri).toBe(
        `s3://${RAW}/${MODEL}/batches/2026-12-01/input/`,
      );
      expect(given.output).toMatchObject({
        batchId: '2026-12-01',
        predictions: `s3://${CURATED}/${MODEL}/batches/2026-12-01/predictions/`,
      });
      const newest = await run({ batchId: 'latest', reason: 'schedule' }, { batchId: 'b7' });
      expect(newest.status).toBe('SUCCEEDED');
      expect(newest.output).toMatchObject({ batchId: 'b7' });
      const none = await run({ batchId: 'latest' });
      expect({ status: none.status, error: none.error, started: none.calls.Transform }).toEqual({
        status: 'FAILED',
        error: 'NoBatch',
        started: undefined,
      });
    });

    // Hostile input: the batch id (given, or named by latest.json) never makes a job read or write
    // outside the model's own batch prefixes; one out of the grammar starts no job.
    const hostile = fc.oneof(
      fc.constantFrom(
        '../churn',
        '..',
        '.',
        '',
        'a/b',
        '../../churn/batches/x',
        'x/../../y',
        'latest/..',
        ' a',
      ),
      fc.string({ maxLength: 80 }),
      fc.constant(42),
      fc.constant(null),
      fc.constant({ batchId: 'nested' }),
    );
    test.each(['input', 'latest.json'] as const)(
      'a hostile batch id in the %s is refused or confined to the model',
      async (where) => {
        await fc.assert(
          fc.asyncProperty(hostile, async (batchId) => {
            const result =
              where === 'input' ? await run({ batchId }) : await run({ batchId: 'latest' }, { batchId });
            const jobs = (result.calls.Transform ?? []) as Array<Record<string, any>>;
            if (jobs.length === 0) {
              expect(result.status).toBe('FAILED');
              expect(['InvalidInput', 'NoBatch']).toContain(result.error);
              return;
            }
            for (const job of jobs) {
              const input = job.TransformInput.DataSource.S3DataSource.S3Uri as string;
              const output = job.TransformOutput.S3OutputPath as string;
              expect(isRunString('location', input)).toBe(true);
              expect(isRunString('location', output)).toBe(true);
              expect(input.startsWith(`s3://${RAW}/${layout.batchesPrefix}`)).toBe(true);
              expect(output.startsWith(`s3://${CURATED}/${layout.batchesPrefix}`)).toBe(true);
            }
          }),
          { numRuns: 40 },
        );
      },
    );
  });
});
