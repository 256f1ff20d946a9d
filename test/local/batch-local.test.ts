import { DescribeTransformJobCommand } from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLayout } from '../../constructs/common/model-layout';
import { localUp, SILENT_STEPS } from '../../lib/local/emulator-up';
import { localBatch } from '../../lib/local/local-batch';
import { LocalDeployment } from '../../lib/local/local-deployment';
import { localDown } from '../../lib/local/local-down';
import { localServeBatch } from '../../lib/local/local-serve-batch';
import { localTrain } from '../../lib/local/local-train';
import { sampleDataset } from '../../lib/local/sample-dataset';
import { pushBatch } from '../../lib/ops/batch-runs';
import { S3ObjectStore } from '../../lib/ops/s3-object-store';
import { OUTDIR_VARIABLE, platformAssembly } from '../support/platform';

/**
 * A batch-served model in the local environment, end to end: trained, served (`local serve` pins
 * and deploys its batch transform), a batch pushed to its input prefix and run through the
 * deployed state machine, every call checked against the deployed policies; each output line is
 * its input line joined with the model's prediction (`JoinSource: Input`), and the transform job
 * is recorded in the emulator.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
jest.setTimeout(600_000);

const { config } = platformAssembly();
const batchServed = config.models.filter((m) => m.serving.mode === 'batch');
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-batch-local-'));
let deployment: LocalDeployment;

beforeAll(async () => {
  await localUp({ stateDir, config, assemblyDir: process.env[OUTDIR_VARIABLE], steps: SILENT_STEPS });
  deployment = await LocalDeployment.connect({ stateDir, config });
}, 600_000);

afterAll(async () => {
  await localDown(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
});

test('the configuration serves at least one model in batch', () => {
  expect(batchServed.length).toBeGreaterThan(0);
});

test.each(batchServed.map((m) => [m.name, m]))(
  '%s: a pushed batch runs through the deployed batch transform, and its predictions join its inputs',
  async (_name, model) => {
    const run = await localTrain(deployment, { model: model.name });
    expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const served = await localServeBatch(deployment, { model: model.name });
    deployment = served.deployment;
    expect(served.package.arn).toBe(run.modelPackageArn);

    // Rows of the model's features in its sample's order, without a header or the target.
    const [header, ...rows] = sampleDataset(model, 25).trim().split('\n');
    const target = header.split(',').indexOf(model.targetColumn);
    const features = rows.map((r) =>
      r
        .split(',')
        .filter((_, i) => i !== target)
        .join(','),
    );
    const files = [
      { name: 'first.csv', body: Buffer.from(`${features.slice(0, 15).join('\n')}\n`) },
      { name: 'second.csv', body: Buffer.from(`${features.slice(15).join('\n')}\n`) },
    ];
    const raw = deployment.bucket('raw');
    const batchId = await pushBatch(deployment.clients.s3, raw, model.name, files);
    const result = await localBatch(deployment, { model: model.name, batchId });
    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
    });
    const layout = new ModelLayout(model.name);
    const predictions = `s3://${deployment.bucket('curated')}/${layout.batchPredictionsDir(batchId)}/`;
    expect(result.predictions).toBe(predictions);
    expect(result.checkedCalls.filter((c) => !c.decision.allowed).map((c) => c.call.action)).toEqual([]);

    const store = new S3ObjectStore(deployment.clients.s3);
    for (const file of files) {
      // SageMaker's output: `<file>.out`, one line per input record, the record then its prediction.
      const out = (await store.get(`${predictions}${file.name}.out`)).toString('utf8').trim().split('\n');
      const inputs = file.body.toString('utf8').trim().split('\n');
      expect(out).toHaveLength(inputs.length);
      out.forEach((line, i) => {
        expect(line.startsWith(`${inputs[i]},`)).toBe(true);
        expect(Number.isFinite(Number(line.slice(inputs[i].length + 1).split(',')[0]))).toBe(true);
      });
    }
    // The job and the execution are recorded in the emulator, as on AWS.
    const execution = await deployment.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: result.executionArn }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    const jobName = JSON.parse(execution.output ?? '{}').jobName as string;
    expect(jobName).toMatch(new RegExp(`^${model.name}-batch-[0-9a-f]{32}$`));
    const job = await deployment.clients.sagemaker.send(
      new DescribeTransformJobCommand({ TransformJobName: jobName }),
    );
    expect(job.TransformOutput?.S3OutputPath).toBe(predictions);
  },
);
