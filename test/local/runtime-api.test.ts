import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelCodeDirectory, platformConfig } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment } from '../../lib/local/emulator-up';
import { DEFAULT_PYTHON } from '../../lib/jobs/job-options';
import { type ServingRecord, startServer, stopAllServers, stopServer } from '../../lib/local/serving-process';

/**
 * SageMaker Runtime's InvokeEndpoint with the AWS SDK v3, as an application calls a local endpoint:
 * the emulator's one URL (started as `mlenv local up` starts it), each configured model trained on
 * a few sample rows and served by the serving stand-in as `mlenv local serve` starts it, its
 * endpoint created in the emulator through the SageMaker API (no deploy). Errors are the API's
 * (the client's modeled ValidationError and ModelError).
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(240_000);

const config = platformConfig();
const region = localEnvironment(config).region;
const models = config.models;
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-runtime-'));
const VARIANT = 'AllTraffic';
const TEST_ROWS = 5;
const endpointName = (model: string) => `runtime-test-${model}`;

interface Served {
  readonly record: ServingRecord;
  /** Rows of the model's test split without the target column. */
  readonly rows: string[];
}
const served = new Map<string, Served>();
let sagemakerRuntime: SageMakerRuntimeClient;

/** Runs a script of the model's code directory as its job does (the library importable). */
function runScript(
  codeDir: string,
  script: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
) {
  execFileSync(DEFAULT_PYTHON, [join(REPO_ROOT, codeDir, script), ...args], {
    cwd,
    env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'ml'), ...env },
    stdio: 'pipe',
  });
}

/** A model trained by its own scripts on sample rows, and rows of its test split. */
function trainTinyModel(model: (typeof models)[number], dir: string): { modelDir: string; rows: string[] } {
  const codeDir = modelCodeDirectory(model);
  runScript(codeDir, 'make_sample_data.py', ['--output', 'raw/data.csv', '--rows', '100'], dir);
  runScript(
    codeDir,
    'preprocess.py',
    ['--input-dir', 'raw', '--output-dir', 'out', '--target-column', model.targetColumn],
    dir,
  );
  runScript(codeDir, 'train.py', ['--target-column', model.targetColumn], dir, {
    SM_CHANNEL_TRAIN: join(dir, 'out', 'train'),
    SM_CHANNEL_VALIDATION: join(dir, 'out', 'validation'),
    SM_MODEL_DIR: join(dir, 'model'),
  });
  const testDir = join(dir, 'out', 'test');
  const [header, ...lines] = readFileSync(join(testDir, readdirSync(testDir)[0]), 'utf8')
    .trim()
    .split('\n');
  const target = header.split(',').indexOf(model.targetColumn);
  const rows = lines.slice(0, TEST_ROWS).map((line) =>
    line
      .split(',')
      .filter((_, i) => i !== target)
      .join(','),
  );
  return { modelDir: join(dir, 'model'), rows };
}

/** The digest the pinned package records of the model's files (the serving code checks it). */
function filesDigest(modelDir: string): string {
  return execFileSync(
    DEFAULT_PYTHON,
    [
      '-c',
      'import sys; from mlenv_model import artifact; print(artifact.model_files_sha256(sys.argv[1]))',
      modelDir,
    ],
    { env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'ml') }, encoding: 'utf8' },
  ).trim();
}

/** The stand-in's own answer on the container route: what the serving container would say. */
async function direct(record: ServingRecord, body: string, contentType: string) {
  const response = await fetch(`${record.url}/invocations`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': contentType, Accept: 'application/json' },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.text(),
  };
}

beforeAll(async () => {
  const emulator = await startEmulator({ stateDir });
  const clientConfig = emulatorClientConfig(emulator.port, region);
  const sagemaker = new SageMakerClient(clientConfig);
  sagemakerRuntime = new SageMakerRuntimeClient({ ...clientConfig, maxAttempts: 1 });
  for (const model of models) {
    const { modelDir, rows } = trainTinyModel(model, mkdtempSync(join(stateDir, `${model.name}-`)));
    const name = endpointName(model.name);
    const modelDataUrl = `s3://models/${model.name}/model.tar.gz`;
    const record = await startServer({
      stateDir,
      model: model.name,
      modelDir,
      endpointName: name,
      variantName: VARIANT,
      modelPackageArn: `arn:aws:sagemaker:${region}:123456789012:model-package/${model.name}/1`,
      modelDataUrl,
      environment: { MLENV_MODEL_FILES_SHA256: filesDigest(modelDir) },
    });
    served.set(model.name, { record, rows });
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/runtime-test',
        PrimaryContainer: { Image: 'serving:latest', ModelDataUrl: modelDataUrl },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [
          { VariantName: VARIANT, ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
        ],
      }),
    );
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  }
}, 600_000);

afterAll(async () => {
  await stopAllServers(stateDir); // also when a test failed
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

describe.each(models.map((m) => [m.name]))('%s', (model) => {
  test('a prediction for real rows comes back from the stand-in serving the endpoint', async () => {
    const { record, rows } = served.get(model)!;
    const body = rows.join('\n');
    const answer = await sagemakerRuntime.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName(model),
        Body: new TextEncoder().encode(body),
        ContentType: 'text/csv',
        Accept: 'application/json',
      }),
    );
    const expected = await direct(record, body, 'text/csv');
    expect(expected.status).toBe(200);
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(answer.ContentType).toBe(expected.contentType);
    expect(answer.InvokedProductionVariant).toBe(VARIANT);
    const predictions = JSON.parse(new TextDecoder().decode(answer.Body));
    expect(predictions).toEqual(JSON.parse(expected.body));
    expect(predictions.predictions).toHaveLength(rows.length);
  });

  test("a request the model refuses is a ModelError with the container's status and body", async () => {
    const { record } = served.get(model)!;
    const expected = await direct(record, '1,2', 'application/x-npy');
    expect(expected.status).toBeGreaterThanOrEqual(400);
    expect(expected.status).toBeLessThan(500);
    const error = await sagemakerRuntime
      .send(
        new InvokeEndpointCommand({
          EndpointName: endpointName(model),
          Body: new TextEncoder().encode('1,2'),
          ContentType: 'application/x-npy',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    const modelError = error as ModelError;
    expect(modelError.$metadata.httpStatusCode).toBe(424);
    expect(modelError.OriginalStatusCode).toBe(expected.status);
    expect(modelError.OriginalMessage).toBe(expected.body);
    expect(modelError.message).toContain(`(${expected.status})`);
  });
});

test('a missing endpoint is a ValidationError naming it', async () => {
  const error = await sagemakerRuntime
    .send(
      new InvokeEndpointCommand({
        EndpointName: 'no-such-endpoint',
        Body: new TextEncoder().encode('1,2'),
        ContentType: 'text/csv',
      }),
    )
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).$metadata.httpStatusCode).toBe(400);
  expect((error as ValidationError).message).toMatch(
    /^Endpoint no-such-endpoint of account \d{12} not found\.$/,
  );
});

test('an endpoint whose stand-in was stopped is a ValidationError, not an answer', async () => {
  const model = models[models.length - 1].name;
  await stopServer(stateDir, model);
  const error = await sagemakerRuntime
    .send(
      new InvokeEndpointCommand({
        EndpointName: endpointName(model),
        Body: new TextEncoder().encode(served.get(model)!.rows[0]),
        ContentType: 'text/csv',
      }),
    )
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).message).toContain(endpointName(model));
  expect((error as ValidationError).message).toContain(`mlenv local serve --model`);
});
