import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

/** One answer of an endpoint: its HTTP status (the container's, for a model error) and body. */
export interface EndpointAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one CSV request to an endpoint, with the caller's InferenceId when given. */
export type InvokeCsv = (body: string, inferenceId?: string) => Promise<EndpointAnswer>;

/** A request that is no row of features: a container must answer it with a 4xx. */
export const MALFORMED_REQUEST = 'not-a-number,1,2';

export interface SmokeResult {
  readonly sent: number;
  /** Requests answered 200 with one well-formed prediction. */
  readonly answered: number;
  readonly failures: readonly string[];
  readonly malformedStatus: number;
  readonly example: { readonly request: string; readonly response: unknown };
  readonly medianLatencyMs: number;
  /**
   * Each answered request's InferenceId (which its capture records, and labels name) and its
   * prediction, in the order sent.
   */
  readonly inferences: ReadonlyArray<{ readonly inferenceId: string; readonly prediction: unknown }>;
}

/** The InferenceIds of one smoke test: `smoke-<time>-<n>` (SageMaker's pattern, at most 64 characters). */
export function smokeInferenceIds(count: number, at = new Date()): string[] {
  const stamp = at.toISOString().replace(/[-:.]/g, '').replace('T', 't').replace('Z', 'z');
  return Array.from({ length: count }, (_, i) => `smoke-${stamp}-${i + 1}`);
}

/**
 * Sends each row, checks each answer is one prediction of the model's problem type in
 * `ml/mlenv_model/serving.py`'s JSON shape (see `predictionProblem`), that the median latency is
 * within `maxMedianLatencyMs`, and that a malformed request gets a 4xx.
 */
export async function smokeTest(
  invoke: InvokeCsv,
  rows: readonly string[],
  options: { readonly maxMedianLatencyMs?: number; readonly problemType?: string } = {},
): Promise<SmokeResult> {
  const failures: string[] = [];
  const latencies: number[] = [];
  const inferences: Array<{ inferenceId: string; prediction: unknown }> = [];
  let answered = 0;
  let example: SmokeResult['example'] | undefined;
  // Each request names itself (InferenceId), so labels pushed later join with its capture.
  const ids = smokeInferenceIds(rows.length);
  for (const [i, row] of rows.entries()) {
    const started = performance.now();
    const answer = await invoke(row, ids[i]);
    latencies.push(performance.now() - started);
    const problem = predictionProblem(answer, options.problemType);
    if (problem) failures.push(`${row.slice(0, 60)}...: ${problem}`);
    else {
      answered++;
      example ??= { request: row, response: answer.body };
      inferences.push({
        inferenceId: ids[i],
        prediction: (answer.body as { predictions: unknown[] }).predictions[0],
      });
    }
  }
  const malformed = await invoke(MALFORMED_REQUEST);
  if (malformed.status < 400 || malformed.status >= 500) {
    failures.push(`a malformed request got ${malformed.status}, not a 4xx`);
  }
  latencies.sort((a, b) => a - b);
  const medianLatencyMs = latencies[Math.floor(latencies.length / 2)] ?? 0;
  if (options.maxMedianLatencyMs !== undefined && medianLatencyMs > options.maxMedianLatencyMs) {
    failures.push(`median latency ${medianLatencyMs.toFixed(0)} ms is over ${options.maxMedianLatencyMs} ms`);
  }
  return {
    sent: rows.length,
    answered,
    failures,
    malformedStatus: malformed.status,
    example: example ?? { request: rows[0] ?? '', response: null },
    medianLatencyMs,
    inferences,
  };
}

/**
 * Why an answer is not one prediction of `ml/mlenv_model/serving.py`'s JSON shape for the problem
 * type, or undefined: a score in [0, 1] and its 0/1 label (binary classification), a class label
 * and its scores (multiclass), a finite score, the predicted value (regression).
 */
export function predictionProblem(
  answer: EndpointAnswer,
  problemType = 'binary_classification',
): string | undefined {
  if (answer.status !== 200) return `status ${answer.status}: ${JSON.stringify(answer.body)}`;
  const predictions = (answer.body as { predictions?: unknown[] } | null)?.predictions;
  if (!Array.isArray(predictions) || predictions.length !== 1) return 'not one prediction';
  const { score, label, scores } = predictions[0] as { score?: unknown; label?: unknown; scores?: unknown };
  if (problemType === 'regression') {
    return typeof score === 'number' && Number.isFinite(score)
      ? undefined
      : `score ${String(score)} is not a number`;
  }
  if (problemType === 'multiclass_classification') {
    if (!Number.isInteger(label)) return `label ${String(label)} is not a class`;
    const valid = Array.isArray(scores) && scores.every((s) => typeof s === 'number' && s >= 0 && s <= 1);
    return valid ? undefined : `scores ${JSON.stringify(scores)} are not probabilities`;
  }
  if (typeof score !== 'number' || score < 0 || score > 1) return `score ${String(score)} is not in [0, 1]`;
  if (label !== 0 && label !== 1) return `label ${String(label)} is not 0 or 1`;
  return undefined;
}

/** `InvokeCsv` of a SageMaker endpoint; a model error answers with the container's status. */
export function invokeEndpoint(
  runtime: Pick<SageMakerRuntimeClient, 'send'>,
  endpointName: string,
): InvokeCsv {
  return async (body, inferenceId) => {
    try {
      const output = await runtime.send(
        new InvokeEndpointCommand({
          EndpointName: endpointName,
          ContentType: 'text/csv',
          Accept: 'application/json',
          Body: Buffer.from(body),
          ...(inferenceId ? { InferenceId: inferenceId } : {}),
        }),
      );
      return { status: 200, body: parse(Buffer.from(output.Body ?? new Uint8Array()).toString('utf8')) };
    } catch (error) {
      const e = error as { name?: string; OriginalStatusCode?: number; OriginalMessage?: string };
      if (e.name === 'ModelError' && e.OriginalStatusCode !== undefined) {
        return { status: e.OriginalStatusCode, body: parse(e.OriginalMessage ?? '') };
      }
      throw error;
    }
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
