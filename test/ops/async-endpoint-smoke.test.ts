import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { invokeAsyncEndpoint } from '../../lib/ops/async-endpoint-smoke';
import { MALFORMED_REQUEST, smokeTest } from '../../lib/ops/endpoint-smoke';
import { MemoryObjectStore } from '../../lib/ops/memory-object-store';

/**
 * `mlenv smoke` against an asynchronous endpoint, as InvokeEndpointAsync's contract says: the
 * request is an object the caller puts in S3 (InputLocation), the response names OutputLocation and
 * FailureLocation, and SageMaker later writes the answer or the failure there.
 */
const runtime = mockClient(SageMakerRuntimeClient);
afterEach(() => runtime.reset());
const BUCKET = 'mlenv-prod-333333333333-eu-west-1-monitoring';
const options = { endpointName: 'mlenv-prod-churn', modelName: 'churn', monitoringBucket: BUCKET, pollMs: 1 };
const noSleep = async () => undefined;

/** A fake SageMaker: answers each uploaded request by writing an output (or a failure) object. */
function sageMaker(
  store: MemoryObjectStore,
  answer: (request: string) => { output?: string; failure?: string },
) {
  let n = 0;
  runtime.on(InvokeEndpointAsyncCommand).callsFake(async (input: { InputLocation: string }) => {
    const id = `inference-${++n}`;
    const request = (await store.get(input.InputLocation)).toString('utf8');
    const { output, failure } = answer(request);
    const outputLocation = `s3://${BUCKET}/churn/async/output/${id}.out`;
    const failureLocation = `s3://${BUCKET}/churn/async/failures/${id}-error.out`;
    if (output !== undefined) await store.put(outputLocation, output);
    if (failure !== undefined) await store.put(failureLocation, failure);
    return { InferenceId: id, OutputLocation: outputLocation, FailureLocation: failureLocation };
  });
}

test('each request is uploaded under the model’s input prefix, and the answers are read back and checked', async () => {
  const store = new MemoryObjectStore();
  sageMaker(store, (request) =>
    request === MALFORMED_REQUEST
      ? { failure: 'Received client error (400) from primary with message "non-numeric"' }
      : { output: JSON.stringify({ predictions: [{ score: 0.2, label: 0 }] }) },
  );
  const result = await smokeTest(invokeAsyncEndpoint(runtime as never, store, options, noSleep), [
    '1,2',
    '3,4',
  ]);
  expect(result).toMatchObject({ sent: 2, answered: 2, failures: [], malformedStatus: 400 });
  const calls = runtime.commandCalls(InvokeEndpointAsyncCommand).map((c) => c.args[0].input);
  expect(calls).toHaveLength(3);
  for (const call of calls) {
    expect(call).toMatchObject({ EndpointName: 'mlenv-prod-churn', ContentType: 'text/csv' });
    expect(call.InputLocation).toMatch(new RegExp(`^s3://${BUCKET}/churn/async/input/`));
  }
  expect(new Set(calls.map((c) => c.InputLocation)).size).toBe(3);
});

test('a wrong answer is a failure of the smoke test', async () => {
  const store = new MemoryObjectStore();
  sageMaker(store, (request) =>
    request === MALFORMED_REQUEST ? { failure: '(400)' } : { output: JSON.stringify({ predictions: [] }) },
  );
  const result = await smokeTest(invokeAsyncEndpoint(runtime as never, store, options, noSleep), ['1,2']);
  expect(result.failures).toEqual([expect.stringMatching(/not one prediction/)]);
});

test('no answer within the timeout fails in one line naming where it looked', async () => {
  const store = new MemoryObjectStore();
  sageMaker(store, () => ({}));
  const invoke = invokeAsyncEndpoint(runtime as never, store, { ...options, timeoutMs: 0 }, noSleep);
  const error = await invoke('1,2').catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toMatch(
    /^mlenv-prod-churn: no answer to inference inference-1 within 0 s at s3:\/\/.*\/churn\/async\/output\/inference-1\.out or .*failures/,
  );
});
