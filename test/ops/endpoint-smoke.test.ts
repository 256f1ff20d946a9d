import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { invokeEndpoint, MALFORMED_REQUEST, smokeTest } from '../../lib/ops/endpoint-smoke';

const runtime = mockClient(SageMakerRuntimeClient);
afterEach(() => runtime.reset());
const answer = (body: unknown) => ({ Body: Buffer.from(JSON.stringify(body)) as never });
const malformed = new ModelError({
  message: 'Received client error (400) from primary',
  $metadata: {},
  OriginalStatusCode: 400,
  OriginalMessage: '{"error":"non-numeric"}',
});

test("each row's answer must be one prediction; a malformed request a 4xx from the container", async () => {
  runtime
    .on(InvokeEndpointCommand)
    .resolves(answer({ predictions: [{ score: 0.2, label: 0 }] }))
    .on(InvokeEndpointCommand, { Body: Buffer.from(MALFORMED_REQUEST) })
    .rejects(malformed);
  const result = await smokeTest(invokeEndpoint(runtime as never, 'ep'), ['1,2', '3,4']);
  expect(result).toMatchObject({ sent: 2, answered: 2, failures: [], malformedStatus: 400 });
  expect(runtime.commandCalls(InvokeEndpointCommand)[0].args[0].input).toMatchObject({
    EndpointName: 'ep',
    ContentType: 'text/csv',
    Accept: 'application/json',
  });
});

test('wrong shapes, a malformed request that is accepted, and slow answers fail the test', async () => {
  runtime.on(InvokeEndpointCommand).resolves(answer({ predictions: [{ score: 1.7, label: 1 }] }));
  const slow = async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return { status: 200, body: { predictions: [{ score: 0.5, label: 1 }] } };
  };
  const shape = await smokeTest(invokeEndpoint(runtime as never, 'ep'), ['1,2']);
  expect(shape.failures).toEqual([
    expect.stringContaining('score 1.7 is not in [0, 1]'),
    'a malformed request got 200, not a 4xx',
  ]);
  expect(shape.answered).toBe(0);
  const latency = await smokeTest(slow, ['1,2'], { maxMedianLatencyMs: 5 });
  expect(latency.failures).toContainEqual(expect.stringMatching(/^median latency \d+ ms is over 5 ms$/));
});

test('each row is sent with its own InferenceId (SageMaker pattern), which the result lists with its prediction for labels', async () => {
  runtime
    .on(InvokeEndpointCommand)
    .resolves(answer({ predictions: [{ score: 0.8, label: 1 }] }))
    .on(InvokeEndpointCommand, { Body: Buffer.from(MALFORMED_REQUEST) })
    .rejects(malformed);
  const result = await smokeTest(invokeEndpoint(runtime as never, 'ep'), ['1,2', '3,4', '5,6']);
  const sent = runtime
    .commandCalls(InvokeEndpointCommand)
    .map((c) => c.args[0].input)
    .filter((input) => Buffer.from(input.Body as Uint8Array).toString() !== MALFORMED_REQUEST)
    .map((input) => input.InferenceId);
  expect(new Set(sent).size).toBe(3);
  // InvokeEndpoint's InferenceId: 1 to 64 characters, the first not a space.
  for (const id of sent) expect(id).toMatch(/^\S.{0,63}$/);
  expect(result.inferences).toEqual(
    sent.map((inferenceId) => ({ inferenceId, prediction: { score: 0.8, label: 1 } })),
  );
});
