import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateModelPackageGroupCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { METRIC_GROUPS } from '../../config/evaluation-metrics';
import { ModelApprovalStatus, ProblemType, TrainingPipeline } from '../../constructs';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { readRegistry } from '../../lib/tools/integrations/model-registry/registry-reads';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { awsError, GOOD_EVALUATION, runPipeline } from '../support/pipeline-harness';
import { pipelineFixture } from '../support/training-fixtures';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
type Json = Record<string, any>;

const REGION = 'eu-west-1';
const MIN_IMPROVEMENT = 0.01;
const { stack, props } = pipelineFixture(REGION);
// Registered as approved, as the local environment does: each registration is the next champion.
const pipeline = new TrainingPipeline(stack, 'Pipeline', {
  ...props,
  approvalStatus: ModelApprovalStatus.APPROVED,
  qualityGate: {
    ...props.qualityGate,
    vsChampion: {
      metric: 'auc',
      minImprovement: MIN_IMPROVEMENT,
      better: METRIC_GROUPS[ProblemType.BINARY_CLASSIFICATION].auc,
    },
  },
});
const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
const machine = authz.inventory.deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find(
    (m) => m.logicalId === stack.getLogicalId(pipeline.stateMachine.node.defaultChild as sfn.CfnStateMachine),
  )!;
const definition = authz.inventory.deployed.definition(machine) as Json;
const group = props.registry.modelPackageGroup('churn').groupName;
const modelsBucket = props.dataStore.modelsBucket.bucketName;

const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-champion-'));
let sagemaker: SageMakerClient;
let s3: S3Client;

beforeAll(async () => {
  const { port } = await startEmulator({ stateDir });
  sagemaker = new SageMakerClient(emulatorClientConfig(port, REGION));
  s3 = new S3Client(emulatorClientConfig(port, REGION));
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  await s3.send(
    new CreateBucketCommand({
      Bucket: modelsBucket,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
});

afterAll(async () => {
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

/** Reads `s3://bucket/key` from the emulator as Step Functions' `s3:getObject` answers. */
async function getObject(p: Json) {
  const output = await s3
    .send(new GetObjectCommand({ Bucket: String(p.Bucket), Key: String(p.Key) }))
    .catch((error: Error) => {
      throw error.name === 'NoSuchKey' ? awsError('S3.NoSuchKeyException', error.message) : error;
    });
  return { Body: await output.Body!.transformToString('utf8') };
}

/**
 * Trains (the jobs answered by the harness) on a model whose evaluation has `auc`, with the
 * registry, the evaluation reports and the champion comparison's reads in the emulator.
 */
function train(executionName: string, auc: number) {
  const evaluation = {
    ...GOOD_EVALUATION,
    binary_classification_metrics: { auc: { value: auc, standard_deviation: 'NaN' } },
  };
  return runPipeline(
    definition,
    { datasetS3Uri: 's3://test-data-raw/churn/versions/v1/', datasetVersion: 'v1', reason: 'drift' },
    {
      executionName,
      overrides: {
        Evaluate: async (p) => {
          const output = (p.ProcessingOutputConfig as Json).Outputs.find(
            (o: Json) => o.OutputName === 'evaluation',
          );
          const uri = new URL(`${output.S3Output.S3Uri}/evaluation.json`);
          await s3.send(
            new PutObjectCommand({
              Bucket: uri.host,
              Key: uri.pathname.slice(1),
              Body: JSON.stringify(evaluation),
            }),
          );
          return {
            ProcessingJobName: p.ProcessingJobName,
            ProcessingJobArn: `arn:aws:sagemaker:${REGION}:123456789012:processing-job/${String(p.ProcessingJobName)}`,
            ProcessingJobStatus: 'Completed',
          };
        },
        ReadMetrics: getObject,
        FindChampion: (p) => readRegistry(sagemaker, 'aws-sdk:sagemaker:listModelPackages', p),
        DescribeChampion: (p) => readRegistry(sagemaker, 'aws-sdk:sagemaker:describeModelPackage', p),
        ReadChampionMetrics: getObject,
        RegisterModel: async (p) => ({
          ModelPackageArn: (
            await sagemaker.send(
              new CreateModelPackageCommand(p as unknown as CreateModelPackageCommandInput),
            )
          ).ModelPackageArn,
        }),
      },
    },
  );
}

test('in the emulator, each model is compared with the newest approved package the earlier runs registered', async () => {
  const first = await train('first', 0.95);
  expect({ status: first.status, cause: first.cause }).toEqual({ status: 'SUCCEEDED' }); // no champion yet
  expect(first.calls.FindChampion).toHaveLength(1);
  expect(first.calls.DescribeChampion).toBeUndefined();
  const champion = (first.output as Json).registered.modelPackageArn as string;
  expect(champion).toMatch(new RegExp(`:model-package/${group}/1$`));

  // Better, by less than minImprovement: not registered, both values named.
  const second = await train('second', 0.955);
  expect(second).toMatchObject({
    status: 'FAILED',
    error: 'ChampionNotBeaten',
    cause: `auc 0.955 does not beat the champion ${champion} (auc 0.95) by at least ${MIN_IMPROVEMENT}: higher is better`,
  });
  // The emulator answered with what the comparison reads: the package, and where its report is.
  expect(second.calls.DescribeChampion).toEqual([{ ModelPackageName: champion }]);
  expect(second.calls.ReadChampionMetrics[0].Key).toBe(
    new URL((first.calls.RegisterModel[0] as Json).ModelMetrics.ModelQuality.Statistics.S3Uri).pathname.slice(
      1,
    ),
  );
  expect(second.calls.RegisterModel).toBeUndefined();

  const third = await train('third', 0.97);
  expect({ status: third.status, cause: third.cause }).toEqual({ status: 'SUCCEEDED' });
  const next = (third.output as Json).registered.modelPackageArn as string;
  expect(next).toMatch(new RegExp(`:model-package/${group}/2$`));

  // The newest approved package is now the champion.
  const fourth = await train('fourth', 0.975);
  expect(fourth).toMatchObject({ status: 'FAILED', error: 'ChampionNotBeaten' });
  expect(fourth.cause).toContain(`champion ${next} (auc 0.97)`);
});
