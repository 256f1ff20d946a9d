import { EVALUATION_ARTIFACT_FIELD } from '../../constructs/common/artifact-integrity';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { MlflowTrackingServer, RunRecorder, TrainingPipeline } from '../../constructs';
import { asList, asObject } from '../../cfn/json-values';
import { allowLogGroupEncryption } from '../../constructs/common/log-group-encryption';
import { ModelLayout } from '../../constructs/common/model-layout';
import { REPO_ROOT } from '../../config/repo-root';
import {
  AuthorizationModel,
  enumerateRunTimeCalls,
  type RunTimeCall,
  type RunTimeCallEnumeration,
} from '../../lib/tools/authorization';
import { SAMPLE_EXPORTED_VALUE } from '../../lib/tools/integrations/codebuild-build';
import { codeBuildBuildCalls } from '../../lib/tools/integrations/codebuild-build/calls';
import { pipelineFixture } from '../support/training-fixtures';
import {
  type Checked,
  checkAll,
  cleanlyAllowed,
  cleanlyDenied,
  describeChecked as line,
} from '../support/checked-calls';
const check = (calls: readonly RunTimeCall[]) => checkAll(authz, calls);

/*
 * The authorization model of a run recorder's builds (lib/tools/integrations/codebuild-build/calls.ts):
 * a training pipeline with a recorder records its run (`RecordRun`: the evaluation report and the
 * model archive read, the run recorded on the tracking server, the report and the archive put as
 * the run's artifacts in the server's artifact store, where the MLflow client writes them itself
 * with the build's credentials) and links it (`LinkRun`: the run tagged), evaluated against
 * the policies RunRecorder, MlflowTrackingServer and TrainingPipeline synthesize.
 */

const MODEL = 'churn';
const EXECUTION_NAME = 'authorization-check';
/** The run id the pipeline derives from the execution's name (`PrepareRun`). */
const RUN_ID = createHash('md5').update(EXECUTION_NAME).digest('hex');
const SERVER = 'acme-dev';

const { stack, props } = pipelineFixture();
const { account, region } = stack;
const layout = new ModelLayout(MODEL);
const logsKey = new kms.Key(stack, 'LogsKey');
// The platform's logs key lets CloudWatch Logs of its account use it (the recorders' log groups).
allowLogGroupEncryption(logsKey);
const trackingServer = new MlflowTrackingServer(stack, 'Tracking', {
  trackingServerName: SERVER,
  dataStore: props.dataStore,
});
const recorderProps = {
  sourcePath: join(REPO_ROOT, 'ml', 'tracking'),
  dataStore: props.dataStore,
  evaluationKeyPattern: `${MODEL}/runs/*/evaluation/evaluation.json`,
  logsKey,
};
const recorder = new RunRecorder(stack, 'Recorder', {
  ...recorderProps,
  trackingServer,
  projectName: 'test-churn-runs',
});
// A recorder without a server: its builds record nothing.
const serverless = new RunRecorder(stack, 'Serverless', {
  ...recorderProps,
  projectName: 'test-churn-no-runs',
});
const pipeline = new TrainingPipeline(stack, 'Pipeline', {
  ...props,
  hyperparameters: { 'n-estimators': 100 },
  codeVersion: 'dc63fd3',
  runRecorder: recorder,
});

const authz = AuthorizationModel.fromAssembly((stack.node.root as App).synth());
const { deployed } = authz.inventory;
const machine = deployed
  .ofType('AWS::StepFunctions::StateMachine')
  .find(
    (m) => m.logicalId === stack.getLogicalId(pipeline.stateMachine.node.defaultChild as sfn.CfnStateMachine),
  )!;
const projectNamed = (name: string) =>
  deployed.ofType('AWS::CodeBuild::Project').find((p) => deployed.ref(p) === name)!;
const project = projectNamed('test-churn-runs');
const buildRole = String(project.properties.ServiceRole);
const serverArn = `arn:aws:sagemaker:${region}:${account}:mlflow-tracking-server/${SERVER}`;
const modelsBucket = 'test-data-models';
const evaluationArn = `arn:aws:s3:::${modelsBucket}/${layout.evaluationKey(RUN_ID)}`;
/** The server's artifact store: MlflowTrackingServer's default prefix in the models bucket. */
const artifactStore = `arn:aws:s3:::${modelsBucket}/mlflow/`;
/**
 * A run's artifact, as MLflow keys it under its experiment's artifact location
 * (`<location><run id>/artifacts/<path>`): the model's own folder of the store, so that one
 * server serves every model and a model's recorder reaches its own runs' artifacts only.
 */
const RUN_ARTIFACT = new RegExp(`^arn:aws:s3:::${modelsBucket}/mlflow/${MODEL}/[0-9a-f]{32}/artifacts/(.+)$`);
/** A run of another model on the same server, and one of an experiment keyed by id (MLflow's default). */
const OTHER_MODEL = 'fraud';
const otherRunArtifacts = [`${artifactStore}${OTHER_MODEL}/`, `${artifactStore}1/`].map(
  (folder) => `${folder}${'f'.repeat(32)}/artifacts/`,
);
const dataKey = String(
  asObject(
    asObject(
      asList(
        asObject(
          deployed.ofType('AWS::S3::Bucket').find((b) => deployed.ref(b) === modelsBucket)!.properties
            .BucketEncryption,
        )?.ServerSideEncryptionConfiguration,
      ).map(asObject)[0],
    )?.ServerSideEncryptionByDefault,
  )?.KMSMasterKeyID,
);

const passing = JSON.stringify({
  binary_classification_metrics: { auc: { value: 0.97 } },
  [EVALUATION_ARTIFACT_FIELD]: { sha256: 'a'.repeat(64), files_sha256: 'b'.repeat(64) },
});

let enumeration: RunTimeCallEnumeration;
let checked: Checked[];
/** `action resource` of the recorder role's calls from state `state`. */
let byRecorder: (state: string) => string[];
/** The model archive the sample training job wrote (`<model>/runs/<run>/<job>/output/model.tar.gz`). */
let modelArchiveArn: string;

beforeAll(async () => {
  enumeration = await enumerateRunTimeCalls(authz, {
    executionName: EXECUTION_NAME,
    executionInput: () => ({
      datasetS3Uri: 's3://test-data-raw/churn/versions/v1/',
      datasetVersion: 'v1',
      reason: 'test',
    }),
    objectBody: (uri) => (uri.endsWith('/evaluation.json') ? passing : '{}'),
  });
  checked = await check(enumeration.calls);
  byRecorder = (state) =>
    enumeration.calls
      .filter((c) => c.principal === buildRole && c.origin.startsWith(`${machine.path} state ${state} `))
      .map((c) => `${c.action} ${c.resource}`);
  const recordRun = enumeration.runs
    .find((r) => r.stateMachine === machine)!
    .sample.taskParameters.get('RecordRun')!;
  const model = asList(recordRun.EnvironmentVariablesOverride)
    .map(asObject)
    .find((v) => v?.Name === 'MLENV_MODEL_ARTIFACT')!.Value as string;
  modelArchiveArn = model.replace(/^s3:\/\//, 'arn:aws:s3:::');
});

describe('a training pipeline with a run recorder, evaluated with its run-time calls', () => {
  test('every build has a model of its calls, and the sample run succeeds', () => {
    expect(enumeration.problems).toEqual([]);
    expect(enumeration.runs.map((r) => r.sample.status)).toEqual(enumeration.runs.map(() => 'SUCCEEDED'));
  });

  test("RecordRun: the recorder reads the run's evaluation report (with the data key) and records the run on its server", () => {
    const mlflow = [
      'GetExperimentByName',
      'CreateExperiment',
      'CreateRun',
      'LogBatch',
      'UpdateRun',
      'GetRun',
    ].map((a) => `sagemaker-mlflow:${a} ${serverArn}`);
    expect(byRecorder('RecordRun')).toEqual(
      expect.arrayContaining([`s3:GetObject ${evaluationArn}`, `kms:Decrypt ${dataKey}`, ...mlflow]),
    );
    const read = enumeration.calls.find((c) => c.principal === buildRole && c.resource === evaluationArn)!;
    expect(enumeration.calls).toContainEqual(
      expect.objectContaining({
        origin: read.origin,
        action: 'kms:Decrypt',
        resource: dataKey,
        context: expect.objectContaining({ 'kms:ViaService': `s3.${region}.amazonaws.com` }),
      }),
    );
    // Only those: no other object, no tag.
    expect(
      byRecorder('RecordRun').filter(
        (c) =>
          c.startsWith('s3:GetObject') &&
          !c.endsWith('.zip') &&
          c !== `s3:GetObject ${evaluationArn}` &&
          c !== `s3:GetObject ${modelArchiveArn}`,
      ),
    ).toEqual([]);
    expect(byRecorder('RecordRun')).not.toContain(`sagemaker-mlflow:SetTag ${serverArn}`);
  });

  test("RecordRun: the recorder reads the model archive and puts it and the report in the server's artifact store, with the data key", () => {
    expect(modelArchiveArn.startsWith(`arn:aws:s3:::${modelsBucket}/${layout.runDir(RUN_ID)}/`)).toBe(true);
    expect(modelArchiveArn.endsWith('/output/model.tar.gz')).toBe(true);
    expect(byRecorder('RecordRun')).toContain(`s3:GetObject ${modelArchiveArn}`);
    const puts = byRecorder('RecordRun').filter((c) => c.startsWith('s3:PutObject '));
    expect(puts.map((c) => RUN_ARTIFACT.exec(c.replace('s3:PutObject ', ''))?.[1]).sort()).toEqual([
      'evaluation.json',
      'model/model.tar.gz',
    ]);
    // SSE-KMS under the bucket's key: a data key for each object, and Decrypt for a multipart upload.
    for (const put of puts) {
      const call = enumeration.calls.find(
        (c) => c.principal === buildRole && `${c.action} ${c.resource}` === put,
      )!;
      // As S3 asks for it (bucket keys: the bucket's ARN is the encryption context).
      expect(enumeration.calls).toContainEqual(
        expect.objectContaining({
          origin: call.origin,
          action: 'kms:GenerateDataKey',
          resource: dataKey,
          context: expect.objectContaining({
            'kms:ViaService': `s3.${region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${modelsBucket}`,
          }),
        }),
      );
    }
    // A failed multipart upload of the archive is aborted.
    const aborts = byRecorder('RecordRun').filter((c) => c.startsWith('s3:AbortMultipartUpload '));
    expect(aborts.map((c) => RUN_ARTIFACT.exec(c.replace('s3:AbortMultipartUpload ', ''))?.[1])).toEqual([
      'model/model.tar.gz',
    ]);
  });

  test('LinkRun: the recorder tags the run it recorded on its server, and reads no report', () => {
    const link = enumeration.runs
      .find((r) => r.stateMachine === machine)!
      .sample.taskParameters.get('LinkRun')!;
    expect(asList(link.EnvironmentVariablesOverride)).toContainEqual(
      expect.objectContaining({ Name: 'MLFLOW_RUN_ID', Value: SAMPLE_EXPORTED_VALUE }),
    );
    expect(byRecorder('LinkRun').filter((c) => c.startsWith('sagemaker-mlflow:'))).toEqual([
      `sagemaker-mlflow:SetTag ${serverArn}`,
      `sagemaker-mlflow:GetRun ${serverArn}`,
    ]);
    expect(byRecorder('LinkRun')).not.toContain(`s3:GetObject ${evaluationArn}`);
  });

  test("RecordRun: the artifacts go to its model's own folder of the store, with the data key through S3", async () => {
    const own = `${artifactStore}${MODEL}/${'e'.repeat(32)}/artifacts/`;
    const put = enumeration.calls.find((c) => c.principal === buildRole && c.action === 's3:PutObject')!;
    const { context: _put, ...abort } = put;
    const generate = enumeration.calls.find(
      (c) => c.principal === buildRole && c.action === 'kms:GenerateDataKey' && c.origin === put.origin,
    )!;
    const allowedCalls: RunTimeCall[] = [
      { ...put, resource: `${own}evaluation.json` },
      { ...put, resource: `${own}model/model.tar.gz` },
      // An abort carries none of the put's conditions (its encryption headers).
      { ...abort, action: 's3:AbortMultipartUpload', resource: `${own}model/model.tar.gz` },
      generate,
      { ...generate, action: 'kms:Decrypt' },
    ];
    expect((await check(allowedCalls)).filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
  });

  test('every call it makes is allowed', () => {
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
  });

  test("the recorder reaches no other tracking server, and no other model's or look-alike evaluation report", async () => {
    const recorded = enumeration.calls.filter((c) => c.principal === buildRole);
    const mlflow = recorded.filter((c) => c.action.startsWith('sagemaker-mlflow:'));
    const read = recorded.find((c) => c.action === 's3:GetObject' && c.resource === evaluationArn)!;
    // The data key as S3 asks for it: the artifacts' puts, a multipart upload's and the reads' decrypts.
    const dataKeyCalls = recorded.filter(
      (c) =>
        c.resource === dataKey &&
        (c.action === 'kms:GenerateDataKey' || c.action === 'kms:Decrypt') &&
        c.context?.['kms:ViaService'] !== undefined,
    );
    expect(new Set(dataKeyCalls.map((c) => c.action))).toEqual(
      new Set(['kms:GenerateDataKey', 'kms:Decrypt']),
    );
    expect(mlflow.length).toBeGreaterThan(0);
    expect(dataKeyCalls.length).toBeGreaterThan(0);
    const lookAlikes: RunTimeCall[] = [
      ...mlflow.flatMap((c) => [
        { ...c, resource: `${serverArn}x` },
        { ...c, resource: serverArn.replace(`/${SERVER}`, '/acme-prod') },
        { ...c, resource: serverArn.replace(account, '999999999999') },
      ]),
      { ...read, resource: evaluationArn.replace(`/${MODEL}/`, '/fraud/') },
      { ...read, resource: evaluationArn.replace(`/${MODEL}/`, `/${MODEL}x/`) },
      { ...read, resource: evaluationArn.replace('evaluation.json', 'model.tar.gz') },
      { ...read, resource: evaluationArn.replace(modelsBucket, 'test-data-curated') },
      // The model archive: this model's only, read only.
      { ...read, resource: modelArchiveArn.replace(`/${MODEL}/`, '/fraud/') },
      { ...read, action: 's3:PutObject', resource: modelArchiveArn },
      // The artifact store: put under it only; nothing read or deleted there, nothing put elsewhere.
      { ...read, action: 's3:PutObject', resource: evaluationArn },
      {
        ...read,
        action: 's3:PutObject',
        resource: `${artifactStore.replace(/\/$/, 'x/')}1/r/artifacts/evaluation.json`,
      },
      {
        ...read,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::test-data-curated/mlflow/1/r/artifacts/evaluation.json`,
      },
      {
        ...read,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${modelsBucket}/${MODEL}/runs/${RUN_ID}/evaluation/x.json`,
      },
      { ...read, resource: `${artifactStore}1/r/artifacts/evaluation.json` },
      { ...read, action: 's3:DeleteObject', resource: `${artifactStore}1/r/artifacts/evaluation.json` },
      // Only the two artifacts record_run.py logs: not another artifact of a run (MLflow's model
      // metadata), nor a key outside a run's artifacts.
      // Another model's runs on the same server, or an experiment keyed by id: neither overwritten
      // nor read (their reports and archives are that model's).
      ...['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'].flatMap((action) =>
        otherRunArtifacts.flatMap((folder) => [
          { ...read, action, resource: `${folder}evaluation.json` },
          { ...read, action, resource: `${folder}model/model.tar.gz` },
        ]),
      ),
      // Its own model's run artifacts are put, never read back.
      { ...read, resource: `${artifactStore}${MODEL}/${'f'.repeat(32)}/artifacts/model/model.tar.gz` },
      ...['s3:PutObject', 's3:AbortMultipartUpload'].flatMap((action) => [
        { ...read, action, resource: `${artifactStore}1/abc/artifacts/MLmodel` },
        { ...read, action, resource: `${artifactStore}1/abc/artifacts/model/MLmodel` },
        { ...read, action, resource: `${artifactStore}1/abc/evaluation.json` },
        { ...read, action, resource: `${artifactStore}evaluation.json` },
      ]),
      // The data key: only as S3 uses it for the models bucket, never called directly (a direct
      // Decrypt would open any object under the key, fetched from wherever it was copied).
      ...dataKeyCalls.flatMap((c) => {
        const { 'kms:ViaService': _via, ...direct } = c.context ?? {};
        return [
          { ...c, context: direct },
          { ...c, context: { ...c.context, 'kms:ViaService': `sagemaker.${region}.amazonaws.com` } },
          {
            ...c,
            context: { ...c.context, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::test-data-curated' },
          },
          {
            ...c,
            context: { ...c.context, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::other-bucket' },
          },
        ];
      }),
    ];
    const denied = await check(lookAlikes);
    expect(denied.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test('a recorder without a server reads the report but makes no MLflow call', async () => {
    const parameters = enumeration.runs
      .find((r) => r.stateMachine === machine)!
      .sample.taskParameters.get('RecordRun')!;
    const overrides = asList(parameters.EnvironmentVariablesOverride);
    expect(overrides.length).toBeGreaterThan(0);
    const other = projectNamed('test-churn-no-runs');
    const role = String(other.properties.ServiceRole);
    const derived = codeBuildBuildCalls(authz.inventory, other, overrides, serverless.node.path, 'RecordRun');
    expect(derived.problems).toEqual([]);
    expect(derived.calls.filter((c) => c.action.startsWith('sagemaker-mlflow:'))).toEqual([]);
    // Nothing recorded: no model archive read, no artifact put.
    expect(derived.calls.filter((c) => c.resource === modelArchiveArn)).toEqual([]);
    expect(derived.calls.filter((c) => c.principal === role && c.action === 's3:PutObject')).toEqual([]);
    const evaluationRead = derived.calls.filter((c) => c.principal === role && c.resource === evaluationArn);
    expect(evaluationRead.map((c) => c.action)).toEqual(['s3:GetObject']);
    expect((await check(derived.calls)).filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
    // Linking with it is nothing but the build's own bookkeeping.
    const link = codeBuildBuildCalls(
      authz.inventory,
      other,
      [{ Name: 'MLENV_ACTION', Value: 'link' }],
      serverless.node.path,
      'LinkRun',
    );
    expect(link.calls.filter((c) => c.action.startsWith('sagemaker-mlflow:'))).toEqual([]);
  });
});
