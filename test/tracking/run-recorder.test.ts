import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  MlflowTrackingServer,
  RUN_RECORDER_LOCK,
  RunRecorder,
  type RunRecorderProps,
} from '../../constructs';
import { REPO_ROOT } from '../../config/repo-root';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { directPins } from '../../lib/platform/locks/lock-file';
import { binaryArguments, PYTHON_LOCKS } from '../../lib/platform/locks/python-locks';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION, dataStack } from '../support/data-stack';

const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
const SOURCE = join(REPO_ROOT, 'ml', 'tracking');
const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

function build(props: Partial<RunRecorderProps> & { withServer?: boolean } = {}) {
  const { app, stack, dataStore, logsKey } = dataStack();
  const trackingServer =
    props.withServer === false
      ? undefined
      : new MlflowTrackingServer(stack, 'Tracking', { trackingServerName: 'acme-dev', dataStore });
  const recorder = new RunRecorder(stack, 'Recorder', {
    sourcePath: SOURCE,
    trackingServer,
    dataStore,
    evaluationKeyPattern: 'churn/runs/*/evaluation/evaluation.json',
    logsKey,
    projectName: 'acme-dev-churn-runs',
    ...props,
  });
  const starter = new iam.Role(stack, 'Starter', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'starter',
  });
  recorder.grantStartBuild(starter);
  const template = Template.fromStack(stack);
  const [project] = Object.values(template.findResources('AWS::CodeBuild::Project'));
  return { app, stack, recorder, project };
}

const variables = (project: Record<string, any>) =>
  Object.fromEntries(
    (project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>).map(
      (v) => [v.Name, v.Value],
    ),
  );

describe('RunRecorder', () => {
  const { app, stack, recorder, project } = build();
  const spec = JSON.parse(project.Properties.Source.BuildSpec);

  test('installs exactly the hashed lock of the pinned client and plugin, wheels only, and exports the run id', () => {
    const lock = PYTHON_LOCKS.find((l) => l.lock === `ml/tracking/${RUN_RECORDER_LOCK}`)!;
    expect(lock).toBeDefined();
    expect(spec.phases.install.commands).toEqual([
      [
        'python -m pip install --no-cache-dir --require-hashes --no-deps',
        ...binaryArguments(lock),
        `--requirement ${RUN_RECORDER_LOCK}`,
      ].join(' '),
    ]);
    expect(
      directPins(lock)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['mlflow-skinny', 'sagemaker-mlflow']);
    expect(spec.env['exported-variables']).toEqual(['MLFLOW_RUN_ID']);
  });

  test("records to its server: the tracking URI is the server's ARN (what the sagemaker-mlflow plugin takes)", () => {
    const arn = stack.resolve(variables(project).MLFLOW_TRACKING_URI);
    expect(JSON.stringify(arn)).toContain(`:sagemaker:${REGION}:${ACCOUNT}:mlflow-tracking-server/acme-dev`);
    const none = build({ withServer: false });
    expect(variables(none.project).MLFLOW_TRACKING_URI).toBe('');
  });

  test("tells the script its model's own folder of the server's artifact store, where the experiment keeps run artifacts", () => {
    // The server's store is s3://<models bucket>/mlflow/ (MlflowTrackingServer's default prefix).
    const location = JSON.stringify(stack.resolve(variables(project).MLENV_ARTIFACT_LOCATION));
    expect(location).toMatch(/\/mlflow\/churn\/"\]\]\}$/);
    expect(location).toContain('s3://');
    const fraud = build({ evaluationKeyPattern: 'fraud/runs/*/evaluation/evaluation.json' });
    expect(JSON.stringify(fraud.stack.resolve(variables(fraud.project).MLENV_ARTIFACT_LOCATION))).toMatch(
      /\/mlflow\/fraud\/"\]\]\}$/,
    );
    // Without a server there is no store.
    expect(variables(build({ withServer: false }).project).MLENV_ARTIFACT_LOCATION).toBeUndefined();
  });

  test('its build commands record a run and export its id (run here, in a copy of its source, against a local store)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-recorder-'));
    cpSync(SOURCE, dir, { recursive: true }); // as CodeBuild unpacks the asset
    const evaluation = join(dir, 'evaluation.json');
    writeFileSync(evaluation, JSON.stringify({ binary_classification_metrics: { auc: { value: 0.97 } } }));
    const script = [...spec.phases.build.commands, 'printf "%s" "$MLFLOW_RUN_ID" > exported'].join('\n');
    const run = spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${dirname(PYTHON)}:${process.env.PATH}`,
        HOME: dir,
        ...variables(project),
        MLFLOW_TRACKING_URI: `sqlite:///${join(dir, 'mlflow.db')}`,
        MLENV_ARTIFACT_LOCATION: `file://${join(dir, 'artifacts', 'churn')}/`,
        MLENV_EXPERIMENT: 'churn',
        MLENV_RUN_NAME: 'manual-1',
        MLENV_EVALUATION: evaluation,
      },
    });
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, 'exported'), 'utf8')).toMatch(/^[0-9a-f]{32}$/);
  });

  describe('what its role may do, evaluated', () => {
    const authz = AuthorizationModel.fromAssembly(app.synth());
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(recorder.role.node.defaultChild as iam.CfnRole)}`;
    const allowed = (action: string, resource: string, principal = roleArn) =>
      authz.check({ principal, action, resource }).then((d) => d.allowed);
    const server = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:mlflow-tracking-server/${name}`;

    test("logs runs on its server, reads evaluation reports and model archives, and puts artifacts in the server's store, nothing else", async () => {
      const models = (key: string) => `arn:aws:s3:::acme-dev-models/${key}`;
      expect(await allowed('sagemaker-mlflow:CreateRun', server('acme-dev'))).toBe(true);
      expect(await allowed('sagemaker-mlflow:SetTag', server('acme-dev'))).toBe(true);
      expect(await allowed('sagemaker-mlflow:CreateRun', server('other'))).toBe(false);
      expect(await allowed('sagemaker-mlflow:DeleteExperiment', server('acme-dev'))).toBe(false);
      expect(await allowed('s3:GetObject', models('churn/runs/abc/evaluation/evaluation.json'))).toBe(true);
      // The training job's archive (<model>/runs/<run>/<model>-train-<run>/output/model.tar.gz), logged as an artifact.
      expect(
        await allowed('s3:GetObject', models('churn/runs/abc/churn-train-abc/output/model.tar.gz')),
      ).toBe(true);
      expect(await allowed('s3:GetObject', models('churn/runs/abc/baseline/statistics.json'))).toBe(false);
      expect(
        await allowed('s3:GetObject', models('fraud/runs/abc/fraud-train-abc/output/model.tar.gz')),
      ).toBe(false);
      // The artifacts go to its model's folder of the server's store (s3://<models bucket>/mlflow/churn/),
      // where the client puts them, keyed <run id>/artifacts/<path>.
      expect(await allowed('s3:PutObject', models('mlflow/churn/abc/artifacts/evaluation.json'))).toBe(true);
      expect(await allowed('s3:GetObject', models('mlflow/churn/abc/artifacts/evaluation.json'))).toBe(false);
      expect(await allowed('s3:DeleteObject', models('mlflow/churn/abc/artifacts/evaluation.json'))).toBe(
        false,
      );
      expect(await allowed('s3:PutObject', models('mlflowx/churn/abc/artifacts/evaluation.json'))).toBe(
        false,
      );
      // Only the two artifacts record_run.py logs (and a multipart upload's abort on the archive).
      expect(await allowed('s3:PutObject', models('mlflow/churn/abc/artifacts/model/model.tar.gz'))).toBe(
        true,
      );
      expect(
        await allowed('s3:AbortMultipartUpload', models('mlflow/churn/abc/artifacts/model/model.tar.gz')),
      ).toBe(true);
      for (const action of ['s3:PutObject', 's3:AbortMultipartUpload']) {
        for (const key of [
          'mlflow/churn/abc/artifacts/MLmodel',
          'mlflow/churn/abc/artifacts/model/MLmodel',
          'mlflow/churn/abc/artifacts/evaluation.json.bak',
          'mlflow/churn/abc/evaluation.json',
          'mlflow/churn/evaluation.json',
          'mlflow/evaluation.json',
          // Another model's run on the same server (its experiment's folder), or any experiment
          // keyed by id at the store's root (MLflow's default layout): never overwritten.
          'mlflow/fraud/abc/artifacts/evaluation.json',
          'mlflow/fraud/abc/artifacts/model/model.tar.gz',
          'mlflow/churnx/abc/artifacts/model/model.tar.gz',
          'mlflow/1/abc/artifacts/evaluation.json',
          'mlflow/2/abc/artifacts/model/model.tar.gz',
        ]) {
          expect(await allowed(action, models(key))).toBe(false);
        }
      }
      expect(await allowed('s3:PutObject', models('churn/runs/abc/evaluation/evaluation.json'))).toBe(false);
      expect(
        await allowed('s3:PutObject', models('churn/runs/abc/churn-train-abc/output/model.tar.gz')),
      ).toBe(false);
    });

    test("uses the data key for its artifacts only as S3 does for the models bucket (bucket keys: the bucket's ARN is the context)", async () => {
      const dataKey = authz.inventory.buckets.get('acme-dev-models')!.encryptionKeyArn!;
      expect(dataKey).toMatch(/^arn:aws:kms:/);
      const viaS3 = {
        'kms:ViaService': `s3.${REGION}.amazonaws.com`,
        'kms:CallerAccount': ACCOUNT,
        'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-dev-models',
      };
      const generate = (context: Record<string, string>) =>
        authz
          .check({ principal: roleArn, action: 'kms:GenerateDataKey', resource: dataKey, context })
          .then((d) => d.allowed);
      expect(await generate(viaS3)).toBe(true);
      const { 'kms:ViaService': _via, ...direct } = viaS3;
      expect(await generate(direct)).toBe(false);
      expect(await generate({ ...viaS3, 'kms:ViaService': `sagemaker.${REGION}.amazonaws.com` })).toBe(false);
      expect(
        await generate({ ...viaS3, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-dev-curated' }),
      ).toBe(false);
    });

    test('decrypts with the data key only as S3 does for the models bucket: the reports and archives it reads too', async () => {
      const dataKey = authz.inventory.buckets.get('acme-dev-models')!.encryptionKeyArn!;
      const viaS3 = {
        'kms:ViaService': `s3.${REGION}.amazonaws.com`,
        'kms:CallerAccount': ACCOUNT,
        'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-dev-models',
      };
      const decrypt = (context: Record<string, string>) =>
        authz
          .check({ principal: roleArn, action: 'kms:Decrypt', resource: dataKey, context })
          .then((d) => d.allowed);
      // A GetObject of an SSE-KMS object is S3 decrypting for the caller (kms:ViaService is S3's).
      expect(await decrypt(viaS3)).toBe(true);
      // The key used directly would decrypt any object of any bucket under it, fetched elsewhere.
      const { 'kms:ViaService': _via, ...direct } = viaS3;
      expect(await decrypt(direct)).toBe(false);
      expect(await decrypt({ 'kms:CallerAccount': ACCOUNT })).toBe(false);
      expect(await decrypt({ ...viaS3, 'kms:ViaService': `sagemaker.${REGION}.amazonaws.com` })).toBe(false);
      expect(
        await decrypt({ ...viaS3, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-dev-curated' }),
      ).toBe(false);
      // The same without a server: the reports it reads.
      const serverless = build({ withServer: false });
      const authzServerless = AuthorizationModel.fromAssembly(serverless.app.synth());
      const role = `arn:aws:iam::${ACCOUNT}:role/${serverless.stack.getLogicalId(serverless.recorder.role.node.defaultChild as iam.CfnRole)}`;
      const decryptServerless = (context: Record<string, string>) =>
        authzServerless
          .check({
            principal: role,
            action: 'kms:Decrypt',
            resource: authzServerless.inventory.buckets.get('acme-dev-models')!.encryptionKeyArn!,
            context,
          })
          .then((d) => d.allowed);
      expect(await decryptServerless(viaS3)).toBe(true);
      expect(await decryptServerless(direct)).toBe(false);
    });

    test('without a server, it reads evaluation reports only: no model archive, no artifact store', async () => {
      const serverless = build({ withServer: false });
      const authzServerless = AuthorizationModel.fromAssembly(serverless.app.synth());
      const role = `arn:aws:iam::${ACCOUNT}:role/${serverless.stack.getLogicalId(serverless.recorder.role.node.defaultChild as iam.CfnRole)}`;
      const allows = (action: string, key: string) =>
        authzServerless
          .check({ principal: role, action, resource: `arn:aws:s3:::acme-dev-models/${key}` })
          .then((d) => d.allowed);
      expect(await allows('s3:GetObject', 'churn/runs/abc/evaluation/evaluation.json')).toBe(true);
      expect(await allows('s3:GetObject', 'churn/runs/abc/churn-train-abc/output/model.tar.gz')).toBe(false);
      expect(await allows('s3:PutObject', 'mlflow/1/abc/artifacts/evaluation.json')).toBe(false);
    });

    test('is taken by CodeBuild for this project of this account only', async () => {
      const take = (project: string, account = ACCOUNT) =>
        authz.check({
          principal: 'codebuild.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: roleArn,
          context: {
            'aws:SourceAccount': account,
            'aws:SourceArn': `arn:aws:codebuild:${REGION}:${account}:project/${project}`,
          },
        });
      expect((await take('acme-dev-churn-runs')).allowed).toBe(true);
      expect((await take('another')).allowed).toBe(false);
      expect((await take('acme-dev-churn-runs', '999999999999')).allowed).toBe(false);
    });

    test('a role granted the recorder may start this project only', async () => {
      const starter = `arn:aws:iam::${ACCOUNT}:role/starter`;
      const name = stack.resolve((recorder.project.node.defaultChild as codebuild.CfnProject).name);
      const arn = (project: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${project}`;
      expect(await allowed('codebuild:StartBuild', arn(String(name)), starter)).toBe(true);
      expect(await allowed('codebuild:StartBuild', arn('other'), starter)).toBe(false);
    });
  });

  test('refuses a source without the script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlenv-recorder-src-'));
    expect(() => build({ sourcePath: dir })).toThrow(`${join(dir, 'record_run.py')} not found`);
  });
});
