import {
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeTrainingJobCommand,
  ListModelPackagesCommand,
} from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../config/repo-root';
import { asObject } from '../../cfn/json-values';
import { ModelLayout } from '../../constructs/common/model-layout';
import { modelStep } from '../../constructs/training/pipeline-steps';
import { pascalCase } from '../../cfn/pascal-case';
import { modelResourceName, type ModelConfig } from '../../config';
import { emulatorStatus } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment } from '../../lib/local/emulator-up';
import { type LifecycleResult, runLifecycle } from '../../lib/local/lifecycle';
import { LocalDeployment } from '../../lib/local/local-deployment';
import { localDown } from '../../lib/local/local-down';
import { readLocalPins } from '../../lib/local/local-pins';
import { localServe } from '../../lib/local/local-serve';
import { localServeBatch } from '../../lib/local/local-serve-batch';
import { localTrain, type LocalTrainResult } from '../../lib/local/local-train';
import { interpreterOf, lockedPackages, lockMismatch } from '../../lib/local/model-python';
import { modelLock } from '../../lib/platform/locks/python-locks';
import { mlflowServerStatus } from '../../lib/local/mlflow-server';
import { S3ObjectStore } from '../../lib/ops/s3-object-store';
import { runningServer } from '../../lib/local/serving-process';
import { SILENT_STEPS } from '../../lib/local/emulator-up';
import { sampleDataset } from '../../lib/local/sample-dataset';
import { trainingMetrics } from '../../lib/platform/stacks/training-stack';
import { OUTDIR_VARIABLE, platformAssembly } from '../support/platform';
import { mlenvCommand } from '../support/mlenv-command';
import { withoutStatements } from '../support/without-statements';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(300_000);

const { config } = platformAssembly();
const env = localEnvironment(config);
const model: ModelConfig = config.models[0];
/** The state whose job trains a model: Train, or Tune (its record is its best trial's run). */
const trainsIn = (trained: ModelConfig) => modelStep(trained.tuning !== undefined).state;
const TRAINS = trainsIn(model);
const layout = new ModelLayout(model.name);
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-lifecycle-'));

let result: LifecycleResult;
let deployment: LocalDeployment;
let serverPid: number | undefined;

beforeAll(async () => {
  try {
    result = await runLifecycle({
      stateDir,
      config,
      model: model.name,
      assemblyDir: process.env[OUTDIR_VARIABLE],
      steps: SILENT_STEPS,
    });
  } finally {
    // Reconnect to what is deployed now (the lifecycle redeployed with the pin).
    deployment = await LocalDeployment.connect({ stateDir, config });
    serverPid = runningServer(stateDir, model.name)?.pid;
  }
  // The whole lifecycle, deploying every configured model's stacks: on a shared 2-core machine
  // it has taken more than the 300 s that each test has.
}, 600_000);

afterAll(async () => {
  await localDown(stateDir); // also when a test failed
  rmSync(stateDir, { recursive: true, force: true });
});

const group = () => modelResourceName({ project: config.project, environment: env }, model.name);
/**
 * Where a run on a raw dataset version trained: the version's features folder, which its data
 * pipeline writes (ModelLayout's documented layout), or the version's own folder.
 */
const trainedOn = (version: string, rawUri: string) =>
  model.dataPipeline ? `s3://${deployment.bucket('curated')}/${layout.featuresDir(version)}/` : rawUri;
const passesGate = (value: number) => {
  const { operator, threshold } = model.qualityGate;
  return {
    '>=': value >= threshold,
    '>': value > threshold,
    '<=': value <= threshold,
    '<': value < threshold,
  }[operator];
};

/**
 * The packages the training job says it ran on (`train: ran on numpy 1.24.1, ..., python 3.11.7`,
 * mlenv_model/training.py) are the pins of the model's lock where this machine can install it:
 * its container's versions, not the tool venv's.
 */
async function expectTrainedWithItsLock(trained: ModelConfig, run: LocalTrainResult): Promise<void> {
  const lock = modelLock(trained);
  if (lockMismatch(lock.target, await interpreterOf())) return; // the run's note says so instead
  const line = run.record.jobs[trainsIn(trained)]?.log
    .split('\n')
    .find((l) => l.startsWith('train: ran on '));
  expect(line).toBeDefined();
  const ranOn = Object.fromEntries(
    line!
      .slice('train: ran on '.length)
      .split(', ')
      .map((item) => item.split(' ') as [string, string]),
  );
  const pins = Object.fromEntries(
    lockedPackages(readFileSync(join(REPO_ROOT, lock.lock), 'utf8')).map((p) => [p.name, p.version]),
  );
  const { python, ...packages } = ranOn;
  expect(python).toMatch(/^3\.11\./);
  expect(Object.keys(packages).length).toBeGreaterThan(0);
  for (const [name, version] of Object.entries(packages))
    expect({ name, version }).toEqual({ name, version: pins[name] });
}

describe('the model lifecycle in the local environment (npm start)', () => {
  test("trains with its own lock's packages (its container's versions), not the tool venv's", async () => {
    await expectTrainedWithItsLock(model, result.train);
  });

  test('trains with the real scripts and registers a package with its metrics, baseline and lineage', async () => {
    expect({ status: result.train.status, error: result.train.error }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
    });
    const metric = result.train.metrics[model.qualityGate.metric];
    expect(passesGate(metric)).toBe(true);
    const described = await deployment.clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: result.train.modelPackageArn }),
    );
    expect(described.ModelPackageGroupName).toBe(group());
    expect(described.ModelApprovalStatus).toBe(env.training.approvalStatus);
    // The package's metrics report is the one the evaluation wrote, with the metric the gate read.
    const report = described.ModelMetrics?.ModelQuality?.Statistics?.S3Uri;
    expect(report).toMatch(
      new RegExp(`^s3://${deployment.bucket('models')}/${layout.evaluationKey('[0-9a-f]+')}$`),
    );
    const evaluation = JSON.parse((await new S3ObjectStore(deployment.clients.s3).get(report!)).toString());
    expect(evaluation[`${model.problemType}_metrics`][model.qualityGate.metric].value).toBe(metric);
    const baseline = described.DriftCheckBaselines?.ModelDataQuality;
    for (const file of ModelLayout.BASELINE_FILES) {
      const uri = file === 'statistics.json' ? baseline?.Statistics?.S3Uri : baseline?.Constraints?.S3Uri;
      expect(uri).toMatch(new RegExp(`/${layout.baselineKey('[0-9a-f]+', file)}$`));
    }
    const { datasetS3Uri, datasetVersion, reason } = result.train.input;
    expect(described.CustomerMetadataProperties).toMatchObject({
      datasetS3Uri: trainedOn(datasetVersion, datasetS3Uri),
      datasetVersion,
      trigger: reason,
    });
  });

  test('with a data pipeline, the package leads to the features and their lineage: raw version, ETL counts, dbt results', async () => {
    if (!model.dataPipeline) return;
    const { datasetS3Uri, datasetVersion } = result.train.input;
    const store = new S3ObjectStore(deployment.clients.s3);
    const folder = trainedOn(datasetVersion, datasetS3Uri);
    const lineage = JSON.parse((await store.get(`${folder}lineage.json`)).toString());
    expect(lineage).toMatchObject({ datasetVersion, rawDatasetS3Uri: datasetS3Uri });
    // Every dbt model built and every test passed (the statuses dbt documents for each).
    const statuses = new Set(lineage.dbt.nodes.map((n: { status: string }) => n.status));
    expect([...statuses].sort()).toEqual(['pass', 'success']);
    expect(lineage.dbt.nodes.map((n: { node: string }) => n.node)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^model\./), expect.stringMatching(/^test\./)]),
    );
    // The features are the pushed rows with the raw columns (lineage columns left out).
    const [rawHeader, ...rawRows] = sampleDataset(model).trim().split('\n');
    const [header, ...rows] = (await store.get(`${folder}features.csv`)).toString().trim().split('\n');
    expect(
      header
        .split(',')
        .map((c) => c.replace(/"/g, ''))
        .sort(),
    ).toEqual(rawHeader.split(',').sort());
    expect(rows).toHaveLength(rawRows.length);
    // The ETL report of the version, which lineage.json names, counts the same rows.
    const report = lineage.etlReport; // one object, put whole by the ETL job
    expect(report).toBe(`s3://${deployment.bucket('curated')}/${layout.etlReportKey(datasetVersion)}`);
    expect(JSON.parse((await store.get(report)).toString())).toMatchObject({
      dataset_version: datasetVersion,
      rows_written: rawRows.length,
      rows_quarantined: 0,
    });
    expect(result.train.data).toMatchObject({ rawDatasetS3Uri: datasetS3Uri, featuresS3Uri: folder });
  });

  test('the run is in the local MLflow server with its parameters, metrics and lineage, linked to its package both ways', async () => {
    const tracking = result.train.tracking;
    expect(tracking?.runId).toMatch(/^[0-9a-f]{32}$/);
    const server = await mlflowServerStatus(stateDir);
    expect(server?.url).toBe(tracking?.url);
    const response = await fetch(`${server!.url}/api/2.0/mlflow/runs/get?run_id=${tracking!.runId}`);
    const { run } = (await response.json()) as {
      run: {
        info: { experiment_id: string; status: string };
        data: {
          params: Array<{ key: string; value: string }>;
          metrics: Array<{ key: string; value: number }>;
          tags: Array<{ key: string; value: string }>;
        };
      };
    };
    const byKey = <T extends { key: string }>(list: T[]) => Object.fromEntries(list.map((e) => [e.key, e]));
    const experiment = (await (
      await fetch(`${server!.url}/api/2.0/mlflow/experiments/get?experiment_id=${run.info.experiment_id}`)
    ).json()) as { experiment: { name: string } };
    expect(experiment.experiment.name).toBe(model.name);
    expect(run.info.status).toBe('FINISHED');
    // The configured hyperparameters (a tuned run's best trial's values for those it searched) and
    // the dataset version; the evaluation's metrics.
    const params = byKey(run.data.params);
    const tuned =
      Object.values(result.train.record.tuningJobs)[0]?.description.BestTrainingJob?.TunedHyperParameters ??
      {};
    expect(Object.keys(tuned).sort()).toEqual(Object.keys(model.tuning?.ranges ?? {}).sort());
    for (const [name, value] of Object.entries(model.hyperparameters)) {
      expect([name, params[name]?.value]).toEqual([name, tuned[name] ?? String(value)]);
    }
    expect(params.dataset_version.value).toBe(result.train.input.datasetVersion);
    const metrics = byKey(run.data.metrics);
    for (const [name, value] of Object.entries(result.train.metrics)) {
      expect([name, metrics[name]?.value]).toEqual([name, value]);
    }
    // Its lineage is the package's: the same dataset, code and artifact; each names the other.
    const described = await deployment.clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: result.train.modelPackageArn }),
    );
    const lineage = described.CustomerMetadataProperties ?? {};
    const tags = byKey(run.data.tags);
    expect({
      dataset_version: tags['mlenv.dataset_version']?.value,
      dataset_uri: tags['mlenv.dataset_uri']?.value,
      code_version: tags['mlenv.code_version']?.value,
      model_artifact: tags['mlenv.model_artifact']?.value,
      model_package_arn: tags['mlenv.model_package_arn']?.value,
    }).toEqual({
      dataset_version: lineage.datasetVersion,
      dataset_uri: lineage.datasetS3Uri,
      code_version: lineage.codeVersion,
      model_artifact: described.InferenceSpecification?.Containers?.[0]?.ModelDataUrl,
      model_package_arn: result.train.modelPackageArn,
    });
    expect(lineage.mlflowRunId).toBe(tracking!.runId);
    // A reader of the run downloads its evaluation report and its model (record_run.py's artifacts).
    const listed = async (path?: string) =>
      (
        (await (
          await fetch(
            `${server!.url}/api/2.0/mlflow/artifacts/list?run_id=${tracking!.runId}${path ? `&path=${path}` : ''}`,
          )
        ).json()) as { files?: Array<{ path: string; is_dir: boolean; file_size?: number }> }
      ).files ?? [];
    expect((await listed()).map((f) => [f.path, f.is_dir]).sort()).toEqual([
      ['evaluation.json', false],
      ['model', true],
    ]);
    const archives = await listed('model');
    expect(archives.map((f) => f.path)).toEqual(['model/model.tar.gz']);
    expect(archives[0].file_size).toBeGreaterThan(0);
  });

  test('every call of the run was checked against the deployed policies, through every role that acts', () => {
    expect(result.checked.filter((c) => !c.decision.allowed)).toEqual([]);
    const origins = new Set(result.checked.map((c) => c.call.originPath));
    const m = pascalCase(model.name);
    for (const path of [
      `${m}Model/${m}Pipeline/StateMachine`, // the state machine's role and the jobs' role
      `${m}Model/${m}Endpoint/Model`, // the endpoint's role: model data and capture
      `${m}Model/${m}DataQuality/JobDefinition`, // the monitor's role
      `${m}Model/${m}DataQuality/Violations`, // the drift rule's targets
      `${m}Model/${m}ModelQuality/JobDefinition`, // the model-quality monitor's role
      `${m}Model/${m}ModelQuality/Violations`, // the quality rule's targets
      ...(model.dataPipeline
        ? [
            `${m}Model/${m}DataPipeline/StateMachine`, // its role, the Spark job's and the dbt build's
          ]
        : []),
    ]) {
      expect([path, origins.has(path)]).toEqual([path, true]);
    }
  });

  test('serves the registered package under the deployed endpoint, and answers with predictions', async () => {
    const endpoint = deployment.resource(
      `${pascalCase(model.name)}Model/${pascalCase(model.name)}Endpoint/Endpoint`,
    );
    expect(result.smoke.endpointName).toBe(
      deployment.authz.inventory.deployed.attribute(endpoint, 'EndpointName'),
    );
    const modelResource = deployment.resource(
      `${pascalCase(model.name)}Model/${pascalCase(model.name)}Endpoint/Model`,
    );
    const deployed = await deployment.clients.sagemaker.send(
      new DescribeModelCommand({
        ModelName: deployment.authz.inventory.deployed.attribute(modelResource, 'ModelName'),
      }),
    );
    expect(deployed.Containers?.[0]?.ModelPackageName).toBe(result.train.modelPackageArn);
    expect(result.served).toBe(result.train.modelPackageArn);
    expect(result.smoke.failures).toEqual([]);
    expect(result.smoke.answered).toBe(result.smoke.sent);
    // A malformed request is the client's error, as SageMaker's containers answer it.
    expect(result.smoke.malformedStatus).toBeGreaterThanOrEqual(400);
    expect(result.smoke.malformedStatus).toBeLessThan(500);
  });

  test("an application's SageMaker Runtime client at the emulator's one URL gets the served model's predictions; an unknown endpoint is a ValidationError", async () => {
    const runtime = new SageMakerRuntimeClient({
      ...emulatorClientConfig(deployment.port, env.region),
      maxAttempts: 1,
    });
    // Rows of the model's own features, as an application sends them (no header, no target).
    const [header, ...rows] = sampleDataset(model).trim().split('\n');
    const target = header.split(',').indexOf(model.targetColumn);
    const features = rows.slice(0, 3).map((r) =>
      r
        .split(',')
        .filter((_v, i) => i !== target)
        .join(','),
    );
    const answer = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: result.smoke.endpointName,
        ContentType: 'text/csv',
        Body: features.join('\n'),
      }),
    );
    const body = JSON.parse(new TextDecoder().decode(answer.Body)) as { predictions: unknown[] };
    expect(body.predictions).toHaveLength(features.length);
    await expect(
      runtime.send(
        new InvokeEndpointCommand({ EndpointName: `${result.smoke.endpointName}-none`, Body: features[0] }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  test("captures requests and responses where SageMaker would, in its format, encrypted with the config's key", async () => {
    const capturePrefix = `${layout.dataCaptureDir}/${result.smoke.endpointName}/AllTraffic/`;
    expect(result.smoke.captured.length).toBeGreaterThan(0);
    for (const uri of result.smoke.captured) {
      expect(uri).toMatch(
        new RegExp(
          `^s3://${deployment.bucket('monitoring')}/${capturePrefix}\\d{4}/\\d{2}/\\d{2}/\\d{2}/[^/]+\\.jsonl$`,
        ),
      );
    }
    const first = result.smoke.captured[0];
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(first)!;
    const head = await deployment.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const config = deployment.resource(
      `${pascalCase(model.name)}Model/${pascalCase(model.name)}Endpoint/Config`,
    );
    const key_ = asObject(config.properties.DataCaptureConfig)?.KmsKeyId;
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(key_);
    const record = JSON.parse(
      (await new S3ObjectStore(deployment.clients.s3).get(first)).toString().split('\n')[0],
    );
    expect(record.captureData.endpointInput).toMatchObject({
      observedContentType: 'text/csv',
      mode: 'INPUT',
    });
    expect(record.captureData.endpointOutput).toMatchObject({ mode: 'OUTPUT' });
  });

  test('shifted data drifts: the check reports violations where Model Monitor would and the rule reacts', async () => {
    expect(result.drift.exitMessage).toMatch(/^CompletedWithViolations: /);
    expect(result.drift.violations.length).toBeGreaterThan(0);
    const schedule = deployment.resource(
      `${pascalCase(model.name)}Model/${pascalCase(model.name)}DataQuality/Schedule`,
    );
    expect(result.drift.reportUri).toMatch(
      new RegExp(
        `^s3://${deployment.bucket('monitoring')}/${layout.dataQualityDir}/${result.smoke.endpointName}/${String(schedule.properties.MonitoringScheduleName)}/\\d{4}/\\d{2}/\\d{2}/\\d{2}$`,
      ),
    );
    // The drift rule's targets: the alert topic, and the pipeline where the environment retrains.
    const alerts = deployment.ref(deployment.resource('Operations/Alerts'));
    const targets = result.drift.deliveries.map((d) => d.targetArn);
    expect(targets).toContain(alerts);
    // (Its data pipeline where it has one: retraining starts from the raw data, as new data does.)
    const pipeline = deployment.ref(
      deployment.dataPipeline(model.name) ?? deployment.trainingPipeline(model.name),
    );
    expect(targets.includes(pipeline)).toBe(env.monitoring.retrainOnDrift);
  });

  test('labels pushed after the smoke test produce a quality report where Model Monitor writes it; a degraded model breaks the gate and the rule asks for retraining', async () => {
    const { quality } = result;
    // Every smoke request (one InferenceId each) got a label: the opposite of its prediction.
    expect(quality.items).toBe(result.smoke.inferences.length);
    expect(quality.exitMessage).toMatch(/^CompletedWithViolations: /);
    const gate = model.qualityGate;
    expect(quality.violations.map((v) => v.metric_name)).toEqual([gate.metric]);
    const measured = quality.metrics.find((m) => m.metric === gate.metric)!.value;
    expect(gate.operator.startsWith('>') ? measured < gate.threshold : measured > gate.threshold).toBe(true);
    const schedule = deployment.resource(
      `${pascalCase(model.name)}Model/${pascalCase(model.name)}ModelQuality/Schedule`,
    );
    expect(quality.reportUri).toMatch(
      new RegExp(
        `^s3://${deployment.bucket('monitoring')}/${layout.modelQualityDir}/${result.smoke.endpointName}/${String(schedule.properties.MonitoringScheduleName)}/\\d{4}/\\d{2}/\\d{2}/\\d{2}$`,
      ),
    );
    const store = new S3ObjectStore(deployment.clients.s3);
    const statistics = JSON.parse((await store.get(`${quality.reportUri}/statistics.json`)).toString('utf8'));
    expect(statistics[`${model.problemType}_metrics`][gate.metric].value).toBeCloseTo(measured, 6);
    const targets = quality.deliveries.map((d) => d.targetArn);
    expect(targets).toContain(deployment.ref(deployment.resource('Operations/Alerts')));
    const pipeline = deployment.ref(
      deployment.dataPipeline(model.name) ?? deployment.trainingPipeline(model.name),
    );
    expect(targets.includes(pipeline)).toBe(env.monitoring.modelQuality.retrain);
    if (env.monitoring.modelQuality.retrain) {
      expect(quality.retrainInput).toMatchObject({
        datasetVersion: 'latest',
        reason: 'model-quality',
        monitoringCheck: quality.jobName,
      });
    }
  });

  test('where the environment retrains on drift, the rule retrains on the newest pushed version (latest.json): a new package version', async () => {
    if (!env.monitoring.retrainOnDrift) {
      expect(result.drift.retrain).toBeUndefined();
      return;
    }
    const retrain = result.drift.retrain!;
    expect(retrain.status).toBe('SUCCEEDED');
    expect(retrain.input).toMatchObject({
      datasetS3Uri: `s3://${deployment.bucket('raw')}/${layout.datasetPrefix}`,
      datasetVersion: 'latest',
      reason: 'drift',
      monitoringCheck: result.drift.jobName,
    });
    // The newest version is the sample dataset the lifecycle pushed and trained on first.
    const { datasetS3Uri, datasetVersion } = result.train.input;
    expect(datasetS3Uri).toMatch(new RegExp(`/${layout.datasetPrefix}versions/${datasetVersion}/$`));
    const first = { datasetS3Uri: trainedOn(datasetVersion, datasetS3Uri), datasetVersion };
    expect(retrain.dataset).toEqual(first);
    const retrained = await deployment.clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: retrain.modelPackageArn }),
    );
    expect(retrained.CustomerMetadataProperties).toMatchObject({ ...first, trigger: 'drift' });
    const versions = await deployment.clients.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: group() }),
    );
    expect(versions.ModelPackageSummaryList?.map((p) => p.ModelPackageArn).sort()).toEqual(
      [result.train.modelPackageArn, retrain.modelPackageArn].sort(),
    );
  });
});

describe('serving a newer package', () => {
  test('updates the endpoint in place: the same endpoint serves the retrained package', async () => {
    if (!result.drift.retrain) return; // nothing newer to serve
    const served = await localServe(deployment, { model: model.name });
    deployment = served.deployment;
    expect(served.redeployed).toBe(true);
    expect(served.package.arn).toBe(result.drift.retrain.modelPackageArn);
    expect(served.server.endpointName).toBe(result.smoke.endpointName);
    const modelResource = deployment.resource(
      `${pascalCase(model.name)}Model/${pascalCase(model.name)}Endpoint/Model`,
    );
    const deployed = await deployment.clients.sagemaker.send(
      new DescribeModelCommand({
        ModelName: deployment.authz.inventory.deployed.attribute(modelResource, 'ModelName'),
      }),
    );
    expect(deployed.Containers?.[0]?.ModelPackageName).toBe(result.drift.retrain.modelPackageArn);
    serverPid = served.server.pid;
  });
});

describe('the mlenv CLI against the local environment', () => {
  /** Runs `mlenv` as a user would (a separate process), on this test's emulator. */
  async function mlenv(...args: string[]): Promise<unknown> {
    const { stdout } = await promisify(execFile)(...mlenvCommand(...args, '--json'), {
      cwd: REPO_ROOT,
      env: { ...process.env, MLENV_LOCAL_STATE_DIR: stateDir },
    });
    return JSON.parse(stdout);
  }

  test('data push makes a version that data ls lists, and train runs the pipeline on it', async () => {
    const dir = join(stateDir, 'dataset');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data.csv'), sampleDataset(model, 300));
    const pushed = (await mlenv('data', 'push', env.name, dir, '--dataset', model.name)) as Record<
      string,
      any
    >;
    expect(pushed).toMatchObject({ created: true, uploaded: 1 });
    expect(await mlenv('data', 'push', env.name, dir, '--dataset', model.name)).toMatchObject({
      created: false,
      version: pushed.version,
    });
    const versions = (await mlenv('data', 'ls', env.name, '--dataset', model.name)) as Array<
      Record<string, any>
    >;
    expect(versions.find((v) => v.version === pushed.version)).toMatchObject({ files: 1 });
    const run = (await mlenv(
      'train',
      env.name,
      '--model',
      model.name,
      '--dataset-version',
      pushed.version,
    )) as Record<string, any>;
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      datasetVersion: pushed.version,
      datasetS3Uri: trainedOn(pushed.version, pushed.datasetS3Uri),
    });
    const registered = await deployment.clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: run.modelPackageArn }),
    );
    expect(registered.CustomerMetadataProperties?.datasetVersion).toBe(pushed.version);
  });

  test('smoke checks the served model through the same path as on AWS', async () => {
    const smoke = (await mlenv('smoke', env.name, '--model', model.name, '--rows', '5')) as Record<
      string,
      any
    >;
    expect(smoke).toMatchObject({ sent: 5, answered: 5, failures: [] });
    expect(smoke.malformedStatus).toBeGreaterThanOrEqual(400);
    expect(smoke.malformedStatus).toBeLessThan(500);
  });

  test("smoke --payload sends the file's rows, one request each", async () => {
    // Rows of the model's own features: the lifecycle's first request, and one with another first value.
    const row = result.smoke.example.request;
    const rows = [row.replace(/^[^,]*/, '0'), row];
    const payload = join(mkdtempSync(join(tmpdir(), 'mlenv-payload-')), 'rows.csv');
    writeFileSync(payload, `${rows.join('\n')}\n`);
    const smoke = (await mlenv('smoke', env.name, '--model', model.name, '--payload', payload)) as Record<
      string,
      any
    >;
    expect(smoke).toMatchObject({ sent: 2, answered: 2, failures: [] });
    expect(smoke.example.request).toBe(rows[0]);
  });

  test.each(config.models.slice(1).map((m) => [m.name, m]))(
    '%s, alongside: trains with its own code and framework, registers a package past its gate, serves, and passes mlenv smoke (a batch-served one: its batch transform is deployed)',
    async (_name, other) => {
      const run = await localTrain(deployment, { model: other.name });
      expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
      await expectTrainedWithItsLock(other, run);
      const { metric, operator, threshold } = other.qualityGate;
      const value = run.metrics[metric];
      expect(
        {
          '>=': value >= threshold,
          '>': value > threshold,
          '<=': value <= threshold,
          '<': value < threshold,
        }[operator],
      ).toBe(true);
      if (other.serving.mode === 'batch') {
        // No endpoint: its batch runs are test/local/batch-local.test.ts's.
        const batch = await localServeBatch(deployment, { model: other.name });
        deployment = batch.deployment;
        expect(batch.package.arn).toBe(run.modelPackageArn);
        expect(runningServer(stateDir, model.name)?.pid).toBe(serverPid);
        return;
      }
      const served = await localServe(deployment, { model: other.name });
      deployment = served.deployment;
      expect(served.package.arn).toBe(run.modelPackageArn);
      const smoke = (await mlenv('smoke', env.name, '--model', other.name, '--rows', '5')) as Record<
        string,
        any
      >;
      expect(smoke).toMatchObject({ sent: 5, answered: 5, failures: [] });
      // Its own answers (a regression's score is the predicted value, not a probability).
      expect(smoke.example.response.predictions).toHaveLength(1);
      // The first model is still served beside it.
      expect(runningServer(stateDir, model.name)?.pid).toBe(serverPid);
    },
  );

  test("status shows the endpoint, the package it serves and the drift check's findings", async () => {
    const status = (await mlenv('status', env.name)) as Record<string, any>;
    const churn = status.models.find((m: Record<string, any>) => m.model === model.name);
    expect(churn.endpoint).toMatchObject({ name: result.smoke.endpointName, status: 'InService' });
    expect(churn.endpoint.pinnedPackage).toBe(
      readLocalPins(stateDir)[model.name]?.modelPackageArn ?? 'no local pin',
    );
    expect(churn.drift.violations).toBe(result.drift.violations.length);
    expect(status.alarms).toEqual([]);
  });

  test('envs: the local environment is reachable through the emulator', async () => {
    const reaches = (await mlenv('envs')) as Array<{ environment: string; reachable: boolean }>;
    expect(reaches.find((r) => r.environment === env.name)).toMatchObject({ reachable: true });
  });

  test('runs lists the recorded runs newest first, with their metrics, dataset and the package each produced', async () => {
    const [listed] = (await mlenv('runs', env.name, '--model', model.name)) as Array<Record<string, any>>;
    expect(listed.model).toBe(model.name);
    const runs = listed.runs as Array<Record<string, any>>;
    const trained = runs.find((r) => r.runId === result.train.tracking?.runId);
    expect(trained).toMatchObject({
      status: 'FINISHED',
      metrics: result.train.metrics,
      datasetVersion: result.train.input.datasetVersion,
      modelPackageArn: result.train.modelPackageArn,
    });
    const starts = runs.map((r) => Date.parse(r.startTime));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    // The drift-triggered retraining ran later and is listed before it, with its own package.
    const retrained = runs.find((r) => r.modelPackageArn === result.drift.retrain?.modelPackageArn);
    if (result.drift.retrain) expect(runs.indexOf(retrained!)).toBeLessThan(runs.indexOf(trained!));
  });

  test('models lists the packages with metrics and lineage; reject records the decision and its reason', async () => {
    const packages = (await mlenv('models', env.name, '--model', model.name)) as Array<Record<string, any>>;
    const registered = [result.drift.retrain?.modelPackageArn, result.train.modelPackageArn].filter(Boolean);
    expect(packages.map((p) => p.arn)).toEqual(expect.arrayContaining(registered));
    expect(packages.map((p) => p.version)).toEqual([...packages.map((p) => p.version)].sort((a, b) => b - a));
    expect(packages.find((p) => p.arn === result.train.modelPackageArn)).toMatchObject({
      status: env.training.approvalStatus,
      metrics: result.train.metrics,
      datasetVersion: result.train.input.datasetVersion,
      // The MLflow run beside the package (the run names the package too).
      mlflowRunId: result.train.tracking?.runId,
    });
    const first = result.train.modelPackageArn!;
    expect(await mlenv('reject', env.name, first, '--reason', 'superseded by the retrained version')).toEqual(
      {
        modelPackageArn: first,
        status: 'Rejected',
      },
    );
    const after = await deployment.clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: first }),
    );
    expect([after.ModelApprovalStatus, after.ApprovalDescription]).toEqual([
      'Rejected',
      'superseded by the retrained version',
    ]);
  });
});

describe('failures in the local environment', () => {
  const raw = () => `s3://${deployment.bucket('raw')}/${layout.datasetPrefix}failures`;

  test("a script exiting non-zero fails the execution with the script's message, and the failure is notified", async () => {
    const uri = `${raw()}/no-target.csv`;
    await new S3ObjectStore(deployment.clients.s3).put(uri, 'a,b\n1,2\n3,4\n');
    const run = await localTrain(deployment, {
      model: model.name,
      input: { datasetS3Uri: uri, datasetVersion: 'no-target', reason: 'test' },
    });
    expect(run.status).toBe('FAILED');
    // The first script to read it says so: the data pipeline's ETL, or preprocessing.
    const message = model.dataPipeline
      ? `the target column '${model.targetColumn}' is not in the header`
      : `target column '${model.targetColumn}' not found`;
    expect(run.cause).toContain(message);
    expect(run.record.published.map((p) => p.message).join('\n')).toContain(message);
    expect(run.modelPackageArn).toBeUndefined();
  });

  test('a model below the quality gate is not registered', async () => {
    // The sample data with its labels shuffled: nothing to learn.
    const [header, ...rows] = sampleDataset(model).trim().split('\n');
    const labels = rows.map((r) => r.split(',').at(-1)!);
    const shuffled = rows.map((r, i) =>
      [...r.split(',').slice(0, -1), labels[(i * 7919) % labels.length]].join(','),
    );
    const uri = `${raw()}/shuffled.csv`;
    await new S3ObjectStore(deployment.clients.s3).put(uri, [header, ...shuffled].join('\n') + '\n');
    const before = await deployment.clients.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: group() }),
    );
    const run = await localTrain(deployment, {
      model: model.name,
      input: { datasetS3Uri: uri, datasetVersion: 'shuffled', reason: 'test' },
    });
    expect(passesGate(run.metrics[model.qualityGate.metric])).toBe(false);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('QualityGateFailed');
    const after = await deployment.clients.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: group() }),
    );
    expect(after.ModelPackageSummaryList?.length).toBe(before.ModelPackageSummaryList?.length);
  });

  test("on 'latest' with no version pushed yet, the execution fails as NoDatasetVersion and starts no job", async () => {
    const bucket = deployment.bucket('raw');
    const pointer = `s3://${bucket}/${layout.latestDatasetKey}`;
    const store = new S3ObjectStore(deployment.clients.s3);
    const saved = await store.get(pointer);
    await deployment.clients.s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: layout.latestDatasetKey }),
    );
    try {
      const run = await localTrain(deployment, {
        model: model.name,
        input: {
          datasetS3Uri: `s3://${bucket}/${layout.datasetPrefix}`,
          datasetVersion: 'latest',
          reason: 'test',
        },
      });
      expect({ status: run.status, error: run.error }).toEqual({
        status: 'FAILED',
        error: 'NoDatasetVersion',
      });
      expect(run.cause).toContain(
        `no dataset version pushed yet: mlenv data push <env> <dir> --dataset ${model.name}`,
      );
      expect(run.states.map((s) => `${s.state} ${s.status}`)).toEqual([
        'ReadLatestDatasetVersion failed',
        'NotifyFailure succeeded',
      ]);
      // S3 said NoSuchKey (not AccessDenied): the pipeline may list the raw bucket.
      expect(run.checkedCalls.filter((c) => !c.decision.allowed)).toEqual([]);
    } finally {
      await store.put(pointer, saved);
    }
  });

  test('a call the deployed policies deny fails its step with AccessDenied, as on AWS', async () => {
    // The same deployment, but the state machine's role may no longer create the model's training
    // (or tuning) jobs.
    const action =
      TRAINS === 'Tune' ? 'sagemaker:CreateHyperParameterTuningJob' : 'sagemaker:CreateTrainingJob';
    const denied = await LocalDeployment.connect({ stateDir, config });
    const pipeline = denied.trainingPipeline(model.name);
    withoutStatements(denied.authz.inventory, String(pipeline.properties.RoleArn), (s) =>
      JSON.stringify(s.Action).includes(action),
    );
    const run = await localTrain(denied, { model: model.name, rows: 120 });
    expect(run.status).toBe('FAILED');
    expect(run.cause).toMatch(new RegExp(`^AccessDenied: .* is not authorized to perform ${action} on `));
    // The training pipeline's Train (or Tune) state (inside the data pipeline's `Train`, where it has one).
    expect(run.states.find((s) => s.status === 'failed')?.state).toMatch(
      new RegExp(`^(Train > )?${TRAINS}$`),
    );
    expect(run.record.jobs[TRAINS]).toBeUndefined(); // nothing ran
  });
});

describe('a tampered artifact', () => {
  const run = promisify(execFile);
  test('model files changed in the emulator after registration: serving refuses them, naming both digests', async () => {
    // What serve serves now (the newest approved package), deployed and answering first.
    const serving = await localServe(deployment, { model: model.name });
    deployment = serving.deployment;
    serverPid = serving.server.pid;
    const served = readLocalPins(stateDir)[model.name];
    expect(served.artifactFilesSha256).toBe(serving.package.artifactFilesSha256);
    const url = serving.package.modelDataUrl;
    const store = new S3ObjectStore(deployment.clients.s3);
    const original = await store.get(url);
    // The same archive with other bytes for the model, as an attacker who can write the bucket would make it.
    const work = mkdtempSync(join(tmpdir(), 'mlenv-tamper-'));
    writeFileSync(join(work, 'model.tar.gz'), original);
    mkdirSync(join(work, 'files'));
    await run('tar', ['-xzf', join(work, 'model.tar.gz'), '-C', join(work, 'files')]);
    writeFileSync(join(work, 'files', 'model.joblib'), 'not the model that was evaluated');
    await run('tar', ['-czf', join(work, 'tampered.tar.gz'), '-C', join(work, 'files'), '.']);
    try {
      await store.put(url, readFileSync(join(work, 'tampered.tar.gz')));
      await expect(localServe(deployment, { model: model.name })).rejects.toThrow(
        new RegExp(
          `model files in \\S+ have SHA-256 [0-9a-f]{64}, but the pinned package records ${served.artifactFilesSha256}: refusing to load a changed artifact`,
        ),
      );
    } finally {
      await store.put(url, original);
      rmSync(work, { recursive: true, force: true });
    }
    // The original bytes serve again.
    const again = await localServe(deployment, { model: model.name });
    serverPid = again.server.pid;
  });
});

describe('history and logs of the local runs', () => {
  /** The package the lifecycle's training registered, and the execution its lineage names. */
  const trainedPackage = () =>
    deployment.clients.sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: result.train.modelPackageArn }),
    );

  test("Step Functions lists the execution that trained the package, under the ARN the package's lineage names", async () => {
    const executionArn = (await trainedPackage()).CustomerMetadataProperties?.executionArn;
    expect(executionArn).toBeDefined();
    const stateMachineArn = deployment.ref(deployment.trainingPipeline(model.name));
    const listed = await deployment.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.find((e) => e.executionArn === executionArn)).toMatchObject({
      status: 'SUCCEEDED',
    });
    const described = await deployment.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    // The run as started (through the data pipeline where the model has one) is listed too.
    const started = deployment.ref(
      deployment.dataPipeline(model.name) ?? deployment.trainingPipeline(model.name),
    );
    const runs = await deployment.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: started }));
    expect(runs.executions?.map((e) => e.executionArn)).toContain(result.train.executionArn);
  });

  test("every job's log is in a group the templates declare (the environment's key), and nothing went unrecorded", async () => {
    expect(result.train.record.notRecorded).toEqual([]);
    const logs = new CloudWatchLogsClient(emulatorClientConfig(deployment.port, env.region));
    const groups = new Map<string, string | undefined>();
    let token: string | undefined;
    do {
      const page = await logs.send(new DescribeLogGroupsCommand({ nextToken: token }));
      for (const g of page.logGroups ?? []) groups.set(g.logGroupName!, g.kmsKeyId);
      token = page.nextToken;
    } while (token);
    const written = result.train.record.logs.flatMap((l) => l.destinations.map((d) => d.logGroupName));
    expect(written.length).toBeGreaterThan(0);
    for (const group of new Set(written))
      expect([group, groups.get(group)]).toEqual([group, expect.any(String)]);
  });

  test("the training job reports the configured metrics and the package's artifact", async () => {
    const job = result.train.record.jobs[TRAINS]?.description as { TrainingJobName: string } | undefined;
    const described = await deployment.clients.sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: job!.TrainingJobName }),
    );
    expect(described.TrainingJobStatus).toBe('Completed');
    expect(described.FinalMetricDataList?.map((m) => m.MetricName)).toEqual(
      trainingMetrics(model.problemType).map((m) => m.name),
    );
    expect(described.ModelArtifacts?.S3ModelArtifacts).toBe(
      (await trainedPackage()).InferenceSpecification?.Containers?.[0]?.ModelDataUrl,
    );
  });

  test("mlenv logs local <execution> prints the training script's metric lines; status lists the run", async () => {
    const job = result.train.record.jobs[TRAINS]?.description as { TrainingJobName: string } | undefined;
    const described = await deployment.clients.sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: job!.TrainingJobName }),
    );
    const { stdout } = await promisify(execFile)(
      ...mlenvCommand('logs', env.name, result.train.executionName),
      {
        cwd: REPO_ROOT,
        env: { ...process.env, MLENV_LOCAL_STATE_DIR: stateDir },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    // Each job the run ran (those of the executions it started in their place) has its log there.
    for (const { state, destinations } of result.train.record.logs) {
      for (const d of destinations)
        expect([state, stdout.includes(`${d.logGroupName} `)]).toEqual([state, true]);
    }
    for (const definition of trainingMetrics(model.problemType)) {
      const value = described.FinalMetricDataList?.find((m) => m.MetricName === definition.name)?.Value;
      const printed = stdout.split('\n').flatMap((line) => {
        const match = new RegExp(definition.regex).exec(line);
        return match ? [Number(match[1])] : [];
      });
      // A tuned run prints each trial's lines; the best trial's (whose model was registered) among them.
      expect([definition.name, printed.includes(value!)]).toEqual([definition.name, true]);
    }
    const status = JSON.parse(
      (
        await promisify(execFile)(...mlenvCommand('status', env.name, '--json'), {
          cwd: REPO_ROOT,
          env: { ...process.env, MLENV_LOCAL_STATE_DIR: stateDir },
        })
      ).stdout,
    ) as { models: Array<{ model: string; executions: Array<{ name: string }> }> };
    // The newest executions of the training pipeline, as Step Functions lists them.
    const stateMachineArn = deployment.ref(deployment.trainingPipeline(model.name));
    const listed = await deployment.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    const runs = status.models.find((m) => m.model === model.name)?.executions.map((e) => e.name);
    expect(runs?.length).toBeGreaterThan(0);
    expect(runs).toEqual(listed.executions?.slice(0, runs!.length).map((e) => e.name));
  });
});

describe('local down', () => {
  test('stops the emulator, the serving stand-in and MLflow', async () => {
    expect(serverPid).toBeDefined();
    expect(await mlflowServerStatus(stateDir)).toBeDefined();
    const down = await localDown(stateDir);
    expect(down.tracking).toBe(true);
    expect((await emulatorStatus({ stateDir })).running).toBe(false);
    expect(() => process.kill(serverPid!, 0)).toThrow();
    expect(await mlflowServerStatus(stateDir)).toBeUndefined();
  });
});
