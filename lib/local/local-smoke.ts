import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { origin } from '../tools/calls/run-time-call';
import { s3WriteCalls } from '../tools/calls/s3-object-calls';
import { emulatorClientConfig, emulatorEndpoint } from './emulator-env';
import { S3ObjectStore } from '../ops/s3-object-store';
import type { LocalDeployment } from './local-deployment';
import { type InvokeCsv, invokeEndpoint, type SmokeResult, smokeTest } from '../ops/endpoint-smoke';
import { sampleDataset } from './sample-dataset';
import { endpointRows, type ModelColumns } from '../ops/endpoint-rows';
import { bucketNamePrefix, type ModelConfig } from '../../config';
import { dataStoreBucketName } from '../../constructs';
import { invokeAsyncEndpoint } from '../ops/async-endpoint-smoke';
import { runningServer, servedModelDir, type ServingRecord } from './serving-process';
import { ModelStack } from '../platform/stacks/model-stack';

/** How far `smoke --shift` moves the data by default: every feature times 1.5. */
export const DEFAULT_SHIFT = 1.5;

export interface LocalSmokeOptions {
  readonly model: string;
  /** Requests to send, one sample row each. @default 100 */
  readonly rows?: number;
  /** Send the rows of this CSV instead of sample rows: a header optional (see `endpointRows`). */
  readonly payload?: { readonly csv: string; readonly source: string };
  /** Multiply every feature by this factor: data unlike the training data, to make drift. */
  readonly shift?: number;
}

export interface LocalSmokeResult extends SmokeResult {
  readonly model: string;
  readonly endpointName: string;
  /** Where the requests went: the local environment's AWS endpoint URL (SageMaker Runtime's route). */
  readonly url: string;
  /** Capture files uploaded to the capture destination. */
  readonly captured: readonly string[];
  readonly shift?: number;
}

/**
 * `mlenv local smoke`: sends sample rows (features only, as CSV) to the served model's endpoint
 * with SageMaker Runtime's InvokeEndpoint at the emulator's URL (`localInvoke`: what applications
 * call, not the stand-in's own route), checks each answer is one prediction (a score in [0, 1] and
 * its 0/1 label), checks that a malformed request gets a 4xx (the container's status, in a
 * ModelError), then uploads the captured requests and responses to the capture destination.
 */
export async function localSmoke(
  deployment: LocalDeployment,
  options: LocalSmokeOptions,
): Promise<LocalSmokeResult> {
  const model = deployment.model(options.model).name;
  const server = runningServer(deployment.stateDir, model);
  if (!server) throw new Error(`${model} is not served: run \`mlenv local serve --model ${model}\``);
  const config = deployment.model(model);
  const columns = { target: config.targetColumn, features: servedFeatures(deployment.stateDir, model) };
  const rows = options.payload
    ? shifted(endpointRows(options.payload.csv, columns, options.payload.source), options.shift)
    : sampleRows(config, columns, options.rows ?? 100, options.shift);
  const endpointName = deployedEndpointName(deployment, model);
  const url = emulatorEndpoint(deployment.port);
  // An asynchronous model is called as applications call it: the request in S3, InvokeEndpointAsync,
  // the answer read back from the output path (the emulator answers before it returns).
  const invoke =
    config.serving.mode === 'async'
      ? invokeAsyncEndpoint(
          new SageMakerRuntimeClient({
            ...emulatorClientConfig(deployment.port, deployment.env.region),
            maxAttempts: 1,
          }),
          new S3ObjectStore(deployment.clients.s3),
          {
            endpointName,
            modelName: model,
            monitoringBucket: dataStoreBucketName(
              bucketNamePrefix({ project: deployment.config.project, environment: deployment.env }),
              'monitoring',
            ),
            timeoutMs: 60_000,
            pollMs: 200,
          },
        )
      : localInvoke(deployment.port, deployment.env.region, endpointName);
  const result = await smokeTest(invoke, rows, { problemType: config.problemType });
  const captured = await uploadCapture(deployment, server);
  return {
    model,
    endpointName,
    url,
    ...result,
    captured,
    ...(options.shift !== undefined ? { shift: options.shift } : {}),
  };
}

/** The name the emulator gave the model's deployed endpoint (what applications call). */
function deployedEndpointName(deployment: LocalDeployment, model: string): string {
  const endpoint = deployment.resource(ModelStack.pathOf(model, 'Endpoint/Endpoint'));
  return deployment.authz.inventory.deployed.attribute(endpoint, 'EndpointName');
}

/**
 * `InvokeCsv` of a local endpoint as applications call it: the AWS SDK's SageMaker Runtime client
 * at the emulator's one URL (its InvokeEndpoint route: an endpoint that is not deployed or not
 * served is a ValidationError, a model's refusal a ModelError), never the stand-in's own route.
 */
export function localInvoke(port: number, region: string, endpointName: string): InvokeCsv {
  // One attempt: a smoke test counts what each request got, not what a retry did.
  return invokeEndpoint(
    new SageMakerRuntimeClient({ ...emulatorClientConfig(port, region), maxAttempts: 1 }),
    endpointName,
  );
}

/**
 * `count` rows of the model's sample dataset (its `make_sample_data.py`) as its endpoint reads them,
 * each feature times `shift`. A sample that lacks the served model's features (a model trained on
 * data of another schema) is refused in one line that says what to send instead.
 */
export function sampleRows(
  model: Pick<ModelConfig, 'name' | 'code'>,
  columns: ModelColumns,
  count: number,
  shift?: number,
): string[] {
  let rows: string[];
  try {
    rows = endpointRows(sampleDataset(model), columns, `${model.name}'s sample (its make_sample_data.py)`);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; send rows of its own data instead: --payload <csv> (a header line naming its columns is fine)`,
      { cause: error },
    );
  }
  return shifted(rows.slice(0, count), shift);
}

/** Rows with every (numeric) feature times `shift`: data unlike the training data. */
function shifted(rows: string[], shift?: number): string[] {
  if (shift === undefined) return rows;
  const scaled = (value: string) => String(Number((Number(value) * shift).toPrecision(6)));
  return rows.map((line) => line.split(',').map(scaled).join(','));
}

/** The features the served package was trained on, from its `model-metadata.json`; undefined if it names none. */
export function servedFeatures(stateDir: string, model: string): string[] | undefined {
  const metadata = join(servedModelDir(stateDir, model), 'model-metadata.json');
  if (!existsSync(metadata)) return undefined;
  const features = (JSON.parse(readFileSync(metadata, 'utf8')) as { feature_columns?: unknown })
    .feature_columns;
  return Array.isArray(features) && features.every((f) => typeof f === 'string') ? features : undefined;
}

/**
 * Uploads the server's capture files to the endpoint config's destination, where SageMaker puts
 * them (`<destination>/<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/<file>.jsonl`), encrypted with
 * its key, each upload checked against the endpoint model role's policies first. SageMaker
 * uploads buffered capture files every few minutes; here they go up when a smoke test ends.
 */
export async function uploadCapture(deployment: LocalDeployment, server: ServingRecord): Promise<string[]> {
  if (!server.capture || !existsSync(server.captureDir)) return [];
  const destination = server.capture.destinationS3Uri.replace(/\/$/, '');
  const modelResource = deployment.resource(ModelStack.pathOf(server.model, 'Endpoint/Model'));
  const { inventory } = deployment.authz;
  const keyArn = inventory.keyArn(server.capture.kmsKeyId, deployment.stage);
  const store = new S3ObjectStore(deployment.clients.s3);
  const uploaded: string[] = [];
  for (const file of filesUnder(server.captureDir)) {
    const uri = `${destination}/${relative(server.captureDir, file)}`;
    await deployment.authorize(
      s3WriteCalls(
        inventory,
        {
          stage: deployment.stage.id,
          principal: String(modelResource.properties.ExecutionRoleArn),
          ...origin(modelResource.path, `data capture on ${server.endpointName} ${server.variantName}`),
        },
        uri,
        keyArn,
      ),
    );
    await store.put(uri, readFileSync(file), { kmsKeyId: server.capture.kmsKeyId });
    uploaded.push(uri);
  }
  return uploaded;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
