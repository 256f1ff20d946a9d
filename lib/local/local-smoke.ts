import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pascalCase } from '../../constructs/common/pascal-case';
import { origin } from '../authorization/run-time-call';
import { s3WriteCalls } from '../authorization/s3-object-calls';
import { S3ObjectStore } from './jobs/s3-object-store';
import type { LocalDeployment } from './local-deployment';
import { sampleDataset } from './sample-dataset';
import { runningServer, type ServingRecord } from './serving-process';

/** The target column of the sample dataset (`ml/common.py` DEFAULT_TARGET_COLUMN): endpoints never see it. */
const TARGET_COLUMN = 'target';

/** How far `smoke --shift` moves the data by default: every feature times 1.5. */
export const DEFAULT_SHIFT = 1.5;

export interface LocalSmokeOptions {
  readonly model: string;
  /** Requests to send, one sample row each. @default 100 */
  readonly rows?: number;
  /** Multiply every feature by this factor: data unlike the training data, to make drift. */
  readonly shift?: number;
}

export interface LocalSmokeResult {
  readonly model: string;
  readonly endpointName: string;
  readonly url: string;
  readonly sent: number;
  /** Requests answered 200 with one well-formed prediction. */
  readonly answered: number;
  readonly failures: readonly string[];
  /** The status a malformed request got (a 4xx, as SageMaker's containers answer). */
  readonly malformedStatus: number;
  readonly example: { readonly request: string; readonly response: unknown };
  readonly medianLatencyMs: number;
  /** Capture files uploaded to the capture destination. */
  readonly captured: readonly string[];
  readonly shift?: number;
}

/**
 * `mlenv local smoke`: sends sample rows (features only, as CSV) to the served model, checks each
 * answer is one prediction (a score in [0, 1] and its 0/1 label), checks that a malformed request
 * gets a 4xx, then uploads the captured requests and responses to the capture destination.
 */
export async function localSmoke(
  deployment: LocalDeployment,
  options: LocalSmokeOptions,
): Promise<LocalSmokeResult> {
  const model = deployment.model(options.model).name;
  const server = runningServer(deployment.stateDir, model);
  if (!server) throw new Error(`${model} is not served: run \`mlenv local serve --model ${model}\``);
  const rows = featureRows(sampleDataset(), options.rows ?? 100, options.shift);
  const failures: string[] = [];
  const latencies: number[] = [];
  let example: LocalSmokeResult['example'] | undefined;
  for (const row of rows) {
    const started = performance.now();
    const response = await invoke(server, row);
    latencies.push(performance.now() - started);
    const problem = predictionProblem(response);
    if (problem) failures.push(`${row.slice(0, 60)}...: ${problem}`);
    else example ??= { request: row, response: response.body };
  }
  const malformed = await invoke(server, 'not-a-number,1,2');
  if (malformed.status < 400 || malformed.status >= 500) {
    failures.push(`a malformed request got ${malformed.status}, not a 4xx`);
  }
  const captured = await uploadCapture(deployment, server);
  latencies.sort((a, b) => a - b);
  return {
    model,
    endpointName: server.endpointName,
    url: server.url,
    sent: rows.length,
    answered: rows.length - failures.filter((f) => !f.startsWith('a malformed')).length,
    failures,
    malformedStatus: malformed.status,
    example: example ?? { request: rows[0] ?? '', response: null },
    medianLatencyMs: latencies[Math.floor(latencies.length / 2)] ?? 0,
    captured,
    ...(options.shift !== undefined ? { shift: options.shift } : {}),
  };
}

/** `count` feature rows (CSV, no header, no target) of the dataset, each feature times `shift`. */
export function featureRows(csv: string, count: number, shift?: number): string[] {
  const [header, ...lines] = csv.trim().split('\n');
  const target = header.split(',').indexOf(TARGET_COLUMN);
  return lines.slice(0, count).map((line) =>
    line
      .split(',')
      .filter((_value, i) => i !== target)
      .map((value) => (shift === undefined ? value : String(Number((Number(value) * shift).toPrecision(6)))))
      .join(','),
  );
}

async function invoke(server: ServingRecord, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', Accept: 'application/json' },
    body,
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/** Why an answer is not one prediction of `ml/inference.py`'s JSON shape, or undefined. */
function predictionProblem(response: { status: number; body: unknown }): string | undefined {
  if (response.status !== 200) return `status ${response.status}: ${JSON.stringify(response.body)}`;
  const predictions = (response.body as { predictions?: unknown[] } | null)?.predictions;
  if (!Array.isArray(predictions) || predictions.length !== 1) return 'not one prediction';
  const { score, label } = predictions[0] as { score?: unknown; label?: unknown };
  if (typeof score !== 'number' || score < 0 || score > 1) return `score ${String(score)} is not in [0, 1]`;
  if (label !== 0 && label !== 1) return `label ${String(label)} is not 0 or 1`;
  return undefined;
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
  const modelResource = deployment.resource(`Serving/${pascalCase(server.model)}Endpoint/Model`);
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
