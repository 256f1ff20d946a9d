import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import aslValidator from 'asl-validator';
import { NO_RUN, RunRecorder, TrainingPipeline } from '../../constructs';
import { REPO_ROOT } from '../../config/repo-root';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { awsError, runPipeline } from '../support/pipeline-harness';
import { pipelineFixture } from '../support/training-fixtures';

type Json = Record<string, any>;

const { stack, dataStore, props } = pipelineFixture();
const recorder = new RunRecorder(stack, 'Recorder', {
  sourcePath: join(REPO_ROOT, 'ml', 'tracking'),
  dataStore,
  evaluationKeyPattern: 'churn/runs/*/evaluation/evaluation.json',
  logsKey: new kms.Key(stack, 'LogsKey'),
});
const HYPERPARAMETERS = { 'n-estimators': 100, 'max-depth': 3 };
const pipeline = new TrainingPipeline(stack, 'Pipeline', {
  ...props,
  hyperparameters: HYPERPARAMETERS,
  codeVersion: 'dc63fd3',
  runRecorder: recorder,
});
const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
const machine = authz.inventory.deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find(
    (m) => m.logicalId === stack.getLogicalId(pipeline.stateMachine.node.defaultChild as sfn.CfnStateMachine),
  )!;
const definition = authz.inventory.deployed.definition(machine) as Json;

const RUN_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const INPUT = {
  datasetS3Uri: 's3://test-data-raw/churn/versions/v1/',
  datasetVersion: 'v1',
  reason: 'manual',
};
const built = (value: string) => () => ({
  Build: {
    Id: 'recorder:1',
    BuildStatus: 'SUCCEEDED',
    ExportedEnvironmentVariables: [{ Name: 'MLFLOW_RUN_ID', Value: value }],
  },
});
const variables = (call: Json) =>
  Object.fromEntries((call.EnvironmentVariablesOverride as Json[]).map((v) => [v.Name, v.Value]));

describe('a training pipeline with a run recorder', () => {
  test('its definition is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(isValid ? '' : errorsText('\n')).toBe('');
  });

  test('records the run after its evaluation, registers the package naming the run, then links the run to it', async () => {
    const run = await runPipeline(definition, INPUT, {
      executionName: 'manual-20261201',
      overrides: { RecordRun: built(RUN_ID), LinkRun: () => ({ Build: { BuildStatus: 'SUCCEEDED' } }) },
    });
    expect(run.status).toBe('SUCCEEDED');
    const order = Object.keys(run.calls);
    // After the evaluation is read and the evaluated artifact's version known.
    expect(order.indexOf('RecordRun')).toBe(order.indexOf('ReadArtifactVersion') + 1);
    expect(order.indexOf('ReadArtifactVersion')).toBe(order.indexOf('ReadMetrics') + 1);
    expect(order.slice(order.indexOf('RegisterModel'))).toEqual([
      'RegisterModel',
      'LinkRun',
      'NotifySuccess',
    ]);

    const record = variables(run.calls.RecordRun[0] as Json);
    const read = run.calls.ReadMetrics[0] as Json;
    const train = run.calls.Train[0] as Json;
    expect(record).toEqual({
      MLENV_ACTION: 'record',
      MLENV_EXPERIMENT: 'churn',
      MLENV_RUN_NAME: 'manual-20261201',
      MLENV_EXECUTION: expect.stringMatching(/:execution:.*:manual-20261201$/),
      // The report ReadMetrics read, the configured hyperparameters, the input's dataset, the code.
      MLENV_EVALUATION: `s3://${read.Bucket}/${read.Key}`,
      MLENV_PARAMS: JSON.stringify(HYPERPARAMETERS),
      MLENV_DATASET_VERSION: INPUT.datasetVersion,
      MLENV_DATASET_URI: INPUT.datasetS3Uri,
      MLENV_CODE_VERSION: 'dc63fd3',
      MLENV_MODEL_ARTIFACT: `${train.OutputDataConfig.S3OutputPath}${train.TrainingJobName}/output/model.tar.gz`,
    });
    expect((run.calls.RegisterModel[0] as Json).CustomerMetadataProperties.mlflowRunId).toBe(RUN_ID);
    expect(variables(run.calls.LinkRun[0] as Json)).toEqual({
      MLENV_ACTION: 'link',
      MLFLOW_RUN_ID: RUN_ID,
      MLENV_MODEL_PACKAGE_ARN: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/test-churn/1',
    });
  });

  test.each([
    [
      'the recorder build fails',
      () => {
        throw awsError('States.TaskFailed', 'pip install failed');
      },
    ],
    ['the build recorded nothing (no server, or none answered)', built('')],
  ])(
    'when %s, the model is still registered (the package says none) and nothing is linked',
    async (_, handler) => {
      const run = await runPipeline(definition, INPUT, { overrides: { RecordRun: handler as never } });
      expect(run.status).toBe('SUCCEEDED');
      expect((run.calls.RegisterModel[0] as Json).CustomerMetadataProperties.mlflowRunId).toBe(NO_RUN);
      expect(run.calls.LinkRun).toBeUndefined();
      expect(run.calls.NotifySuccess).toHaveLength(1);
    },
  );

  test('a run below the quality gate is recorded too, and nothing is registered or linked', async () => {
    const run = await runPipeline(definition, INPUT, {
      evaluation: { binary_classification_metrics: { auc: { value: 0.5 } } },
      overrides: { RecordRun: built(RUN_ID) },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('QualityGateFailed');
    expect(run.calls.RecordRun).toHaveLength(1);
    expect(run.calls.RegisterModel).toBeUndefined();
    expect(run.calls.LinkRun).toBeUndefined();
  });

  test('a link that fails leaves the run unlinked and the model registered', async () => {
    const run = await runPipeline(definition, INPUT, {
      overrides: {
        RecordRun: built(RUN_ID),
        LinkRun: () => {
          throw awsError('States.TaskFailed', 'build failed');
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.LinkRun).toHaveLength(1);
    expect(run.calls.NotifySuccess).toHaveLength(1);
  });

  test('its role may start and follow its recorder only', async () => {
    const role = String(machine.properties.RoleArn);
    const project = (name: string) => `arn:aws:codebuild:eu-west-1:123456789012:project/${name}`;
    const allowed = (resource: string) =>
      authz.check({ principal: role, action: 'codebuild:StartBuild', resource }).then((d) => d.allowed);
    expect(
      await allowed(
        project(authz.inventory.deployed.ref(authz.inventory.deployed.ofType('AWS::CodeBuild::Project')[0])),
      ),
    ).toBe(true);
    expect(await allowed(project('another'))).toBe(false);
  });
});

test('without a recorder, nothing is recorded and the package names no run', () => {
  const plain = pipelineFixture();
  const other = new TrainingPipeline(plain.stack, 'Pipeline', plain.props);
  const rendered = JSON.stringify(
    Stack.of(other).resolve((other.stateMachine.node.defaultChild as sfn.CfnStateMachine).definitionString),
  );
  expect(rendered).not.toContain('RecordRun');
  expect(rendered).not.toContain('mlflowRunId');
});
