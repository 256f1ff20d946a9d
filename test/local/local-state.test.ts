import {
  CreateModelPackageCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { modelResourceName } from '../../config';
import { connectCurrentDeployment } from '../../lib/local/current-deployment';
import { readAppInputs } from '../../lib/local/deployed-inputs';
import { emulatorLogFile, emulatorStatus, startEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment, localUp, SILENT_STEPS } from '../../lib/local/emulator-up';
import { LocalDeployment } from '../../lib/local/local-deployment';
import { localDown } from '../../lib/local/local-down';
import { mlflowServerStatus, startMlflowServer } from '../../lib/local/mlflow-server';
import { OUTDIR_VARIABLE, platformAssembly } from '../support/platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(300_000);

const { config } = platformAssembly();
const env = localEnvironment(config);
const [model] = config.models;
const packageGroup = modelResourceName({ project: config.project, environment: env }, model.name);
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-local-state-'));
const up = () =>
  localUp({ stateDir, config, assemblyDir: process.env[OUTDIR_VARIABLE], steps: SILENT_STEPS });
const clients = (port: number) => ({
  s3: new S3Client(emulatorClientConfig(port, env.region)),
  sagemaker: new SageMakerClient(emulatorClientConfig(port, env.region)),
});
/** MLflow's REST API (https://mlflow.org/docs/latest/rest-api.html). */
async function mlflow(url: string, path: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}
const EXPERIMENT = 'mlenv-local-state-test';
/** A package as CreateModelPackage takes it (its API reference's required fields for a versioned one). */
const aPackage = {
  ModelPackageGroupName: packageGroup,
  ModelApprovalStatus: 'PendingManualApproval' as const,
  InferenceSpecification: {
    Containers: [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1' }],
    SupportedContentTypes: ['text/csv'],
    SupportedResponseMIMETypes: ['text/csv'],
  },
};
const MARKER_KEY = 'local-state-test/marker.csv';

/** What a day of work leaves: a dataset object, a registered package and an MLflow run. */
interface LocalState {
  readonly objects: readonly string[];
  readonly packages: number;
  readonly runs: number;
}

async function readState(port: number, mlflowUrl: string): Promise<LocalState> {
  const { s3, sagemaker } = clients(port);
  const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  const objects: string[] = [];
  for (const bucket of buckets) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name, Prefix: MARKER_KEY }));
    objects.push(...(listed.Contents ?? []).map((o) => `${bucket.Name}/${o.Key}`));
  }
  const groups =
    (await sagemaker.send(new ListModelPackageGroupsCommand({}))).ModelPackageGroupSummaryList ?? [];
  const packages = groups.some((g) => g.ModelPackageGroupName === packageGroup)
    ? (
        (await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: packageGroup })))
          .ModelPackageSummaryList ?? []
      ).length
    : 0;
  const found = await fetch(
    `${mlflowUrl}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(EXPERIMENT)}`,
  );
  const id = found.ok
    ? ((await found.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id
    : undefined;
  const runs = id
    ? (((await mlflow(mlflowUrl, 'runs/search', { experiment_ids: [id] })).runs as unknown[]) ?? []).length
    : 0;
  return { objects, packages, runs };
}

/** The emulator's log without its request lines: what the launcher said. */
const launcherLines = () =>
  readFileSync(emulatorLogFile(stateDir), 'utf8')
    .split('\n')
    .filter((line) => !/^127\.0\.0\.1 - - /.test(line))
    .slice(-40)
    .join('\n');

afterAll(async () => {
  await localDown(stateDir, { state: 'wipe' }); // also when a test failed
  rmSync(stateDir, { recursive: true, force: true });
});

beforeAll(up, 300_000);

describe('no stale deploys', () => {
  test('a deploy whose recorded inputs are the working tree is current; one that differs is refused naming the file, or with --redeploy redeployed', async () => {
    const record = join(stateDir, 'deployed-inputs.json');
    expect(existsSync(record)).toBe(true); // written by the deploy
    // The working tree of a shared checkout moves: record it as it is now, then change one entry.
    const now = readAppInputs();
    writeFileSync(record, JSON.stringify(now));
    const options = { command: 'local train', steps: SILENT_STEPS, say: () => undefined, stateDir, config };
    await expect(connectCurrentDeployment(options)).resolves.toBeInstanceOf(LocalDeployment);

    const [file] = Object.keys(now.files).filter((f) => f.startsWith('ml/models/'));
    writeFileSync(
      record,
      JSON.stringify({ ...now, files: { ...now.files, [file]: 'deployed-before-an-edit' } }),
    );
    const refused = connectCurrentDeployment(options);
    await expect(refused).rejects.toThrow(
      `local train: the emulator runs an older deploy (1 file changed since the last deploy: ${file}): run \`mlenv local up\`, or add --redeploy`,
    );
    expect(JSON.parse(readFileSync(record, 'utf8')).files[file]).toBe('deployed-before-an-edit');

    // With --redeploy: the deploy of `local up` first, said in one line; it records the tree anew.
    const said: string[] = [];
    const redeployed = await connectCurrentDeployment({
      ...options,
      redeploy: true,
      say: (l) => said.push(l),
      deploy: up,
    });
    expect(redeployed).toBeInstanceOf(LocalDeployment);
    expect(said).toEqual([
      `local train: redeploying first, as \`mlenv local up\` does (1 file changed since the last deploy: ${file})`,
    ]);
    // This test's deploy is of a given assembly (`local up --assembly`): its inputs are not the
    // working tree's, so the record names the assembly rather than hashes of the tree.
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({
      assembly: resolve(process.env[OUTDIR_VARIABLE]!),
    });
  });
});

describe('one local state', () => {
  test('down keeps the S3 objects, the packages and the MLflow runs together, and up finds them', async () => {
    const deployment = await LocalDeployment.connect({ stateDir, config });
    const { s3, sagemaker } = clients(deployment.port);
    await s3.send(
      new PutObjectCommand({ Bucket: deployment.bucket('raw'), Key: MARKER_KEY, Body: 'a,target\n1,0\n' }),
    );
    const first = await sagemaker.send(new CreateModelPackageCommand(aPackage));
    expect(first.ModelPackageArn?.split('/').at(-1)).toBe('1');
    const tracking = (await mlflowServerStatus(stateDir))!;
    const { experiment_id } = await mlflow(tracking.url, 'experiments/create', { name: EXPERIMENT });
    await mlflow(tracking.url, 'runs/create', { experiment_id, start_time: Date.now() });
    const before = await readState(deployment.port, tracking.url);
    expect(before).toEqual({ objects: [`${deployment.bucket('raw')}/${MARKER_KEY}`], packages: 1, runs: 1 });

    const down = await localDown(stateDir);
    expect(down).toMatchObject({ state: 'keep', stopped: true, tracking: true, stateDir });
    expect((await emulatorStatus({ stateDir })).running).toBe(false);
    expect(launcherLines()).toMatch(/^persistent_emulator: saved \d+ services/m);

    const again = await up();
    expect(again.reused).toBe(false);
    expect(launcherLines()).toMatch(/^persistent_emulator: restored \d+ services/m);
    expect(await readState(again.port, again.tracking.url)).toEqual(before);
    // The registry goes on where it was: the next package is version 2, not a second version 1.
    const next = await clients(again.port).sagemaker.send(new CreateModelPackageCommand(aPackage));
    expect(next.ModelPackageArn?.split('/').at(-1)).toBe('2');
  });

  test('down --wipe clears all of them, and the emulator and MLflow start empty', async () => {
    const down = await localDown(stateDir, { state: 'wipe' });
    expect(down).toMatchObject({ state: 'wipe', stopped: true, tracking: true });
    expect(existsSync(stateDir)).toBe(false);

    const emulator = await startEmulator({ stateDir });
    const tracking = await startMlflowServer({ stateDir });
    expect(await readState(emulator.port, tracking.url)).toEqual({ objects: [], packages: 0, runs: 0 });
    expect((await clients(emulator.port).s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  });
});
