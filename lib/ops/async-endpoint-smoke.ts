import { randomUUID } from 'node:crypto';
import { InvokeEndpointAsyncCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { ModelLayout } from '../../constructs';
import type { EndpointAnswer, InvokeCsv } from './endpoint-smoke';
import { NoSuchKeyError, type ObjectStore } from './object-store';

/** Where an asynchronous endpoint's requests go, and how long a smoke test waits for each answer. */
export interface AsyncInvokeOptions {
  readonly endpointName: string;
  /** The model's name: its requests go under `<model>/async/input/` of the monitoring bucket. */
  readonly modelName: string;
  /** The environment's monitoring bucket (the async input, output and failure prefixes are in it). */
  readonly monitoringBucket: string;
  /** How long to wait for the answer or failure object. @default 900_000 (15 minutes: scaling out from zero takes minutes) */
  readonly timeoutMs?: number;
  /** How often to look for it. @default 5_000 */
  readonly pollMs?: number;
  /** The data key, to encrypt the uploaded request with (the bucket's default otherwise). */
  readonly kmsKeyId?: string;
}

/** The request URI a smoke test uploads (one object per request, named so it never collides). */
export function asyncRequestUri(bucket: string, model: string): string {
  return `s3://${bucket}/${new ModelLayout(model).asyncInputDir}/smoke-${randomUUID()}.csv`;
}

/**
 * `InvokeCsv` of an asynchronous endpoint, as an application calls one: uploads the request to the
 * model's input prefix, calls InvokeEndpointAsync with its location, and waits for SageMaker's
 * answer at the returned OutputLocation, or for its failure at FailureLocation (whose message
 * carries the container's status, `... (400) ...`). Waiting longer than `timeoutMs` fails in one line.
 */
export function invokeAsyncEndpoint(
  runtime: Pick<SageMakerRuntimeClient, 'send'>,
  store: ObjectStore,
  options: AsyncInvokeOptions,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): InvokeCsv {
  const timeoutMs = options.timeoutMs ?? 900_000;
  const pollMs = options.pollMs ?? 5_000;
  return async (body) => {
    const input = asyncRequestUri(options.monitoringBucket, options.modelName);
    await store.put(input, body, options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {});
    const output = await runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: options.endpointName,
        InputLocation: input,
        ContentType: 'text/csv',
        Accept: 'application/json',
      }),
    );
    if (!output.OutputLocation) {
      throw new Error(`${options.endpointName}: InvokeEndpointAsync returned no OutputLocation`);
    }
    const started = Date.now();
    for (;;) {
      const answer = await objectOrUndefined(store, output.OutputLocation);
      if (answer !== undefined) return { status: 200, body: parse(answer) };
      const failure = output.FailureLocation
        ? await objectOrUndefined(store, output.FailureLocation)
        : undefined;
      if (failure !== undefined) return failureAnswer(failure);
      if (Date.now() - started >= timeoutMs) {
        throw new Error(
          `${options.endpointName}: no answer to inference ${output.InferenceId ?? '?'} within ${Math.round(timeoutMs / 1000)} s ` +
            `at ${output.OutputLocation}${output.FailureLocation ? ` or ${output.FailureLocation}` : ''} ` +
            '(an asynchronous endpoint at zero instances takes minutes to scale out: wait longer with --timeout)',
        );
      }
      await sleep(pollMs);
    }
  };
}

/** A failure object as an answer: the container's status when the message names one (`(400)`), else 500. */
export function failureAnswer(text: string): EndpointAnswer {
  const status = /\((\d{3})\)/.exec(text)?.[1];
  return { status: status ? Number(status) : 500, body: parse(text) };
}

async function objectOrUndefined(store: ObjectStore, uri: string): Promise<string | undefined> {
  try {
    return (await store.get(uri)).toString('utf8');
  } catch (error) {
    if (error instanceof NoSuchKeyError) return undefined;
    throw error;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
