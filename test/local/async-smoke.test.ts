import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { ModelLayout } from '../../constructs';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment } from '../../lib/local/emulator-up';
import { sampleRows } from '../../lib/local/local-smoke';
import { startServer, stopAllServers } from '../../lib/local/serving-process';
import { invokeAsyncEndpoint } from '../../lib/ops/async-endpoint-smoke';
import { MALFORMED_REQUEST, smokeTest } from '../../lib/ops/endpoint-smoke';
import { S3ObjectStore } from '../../lib/ops/s3-object-store';

/**
 * `mlenv smoke local` of an asynchronous model, through the emulator as applications call it: the
 * request uploaded to the model's input prefix, InvokeEndpointAsync at the emulator's URL, the
 * answer read back from the endpoint config's output path (a refused request from its failure
 * path, with the container's status); the notifications on the config's topics are checked by
 * lib/local/python/tests/test_runtime_api.py (with an SQS subscriber). The container is a stand-in-like server under SageMaker's inference contract,
 * started as `local serve` starts the stand-in.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(120_000);

const config = platformConfig();
const region = localEnvironment(config).region;
const model = config.models[0];
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-async-smoke-'));
const ROWS = 5;
const ENDPOINT = `async-smoke-${model.name}`;
const BUCKET = 'async-smoke-monitoring';

const CONTAINER = `import http.server, json, sys
requests_log = sys.argv[1]
class Container(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with open(requests_log, "a") as log:
            log.write(json.dumps({"path": self.path, "body": body}) + "\\n")
        try:
            [float(value) for value in body.split(",")]
            status, answer = 200, {"predictions": [{"score": 0.25, "label": 0, "scores": [0.75, 0.25]}]}
        except ValueError:
            status, answer = 400, {"error": "not a row of numbers"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Container)
print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
`;

let port: number;
let requestLog: string;
const received = (): string[] =>
  existsSync(requestLog)
    ? readFileSync(requestLog, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { body: string }).body)
    : [];

beforeAll(async () => {
  const emulator = await startEmulator({ stateDir });
  port = emulator.port;
  const clientConfig = emulatorClientConfig(port, region);
  const containerScript = join(stateDir, 'container.py');
  writeFileSync(containerScript, CONTAINER);
  requestLog = join(stateDir, 'requests.jsonl');
  const python = join(stateDir, 'python');
  writeFileSync(python, `#!/bin/sh\nexec python3 '${containerScript}' '${requestLog}' "$@"\n`);
  chmodSync(python, 0o755);
  await startServer({
    stateDir,
    model: model.name,
    modelDir: stateDir,
    endpointName: ENDPOINT,
    variantName: 'AllTraffic',
    modelPackageArn: `arn:aws:sagemaker:${region}:123456789012:model-package/${model.name}/1`,
    modelDataUrl: `s3://models/${model.name}/model.tar.gz`,
    python,
  });
  await new S3Client({ ...clientConfig, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: BUCKET }),
  );
  const sns = new SNSClient(clientConfig);
  const topics: Record<string, string> = {};
  for (const kind of ['success', 'error'] as const) {
    topics[kind] = (await sns.send(new CreateTopicCommand({ Name: `${ENDPOINT}-${kind}` }))).TopicArn!;
  }
  const layout = new ModelLayout(model.name);
  const sagemaker = new SageMakerClient(clientConfig);
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: ENDPOINT,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/async-smoke-test',
      PrimaryContainer: { Image: 'serving:latest', ModelDataUrl: `s3://models/${model.name}/model.tar.gz` },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: ENDPOINT,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: ENDPOINT,
          InitialInstanceCount: 1,
          InstanceType: 'ml.m5.large',
        },
      ],
      AsyncInferenceConfig: {
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
        OutputConfig: {
          S3OutputPath: `s3://${BUCKET}/${layout.asyncOutputDir}`,
          S3FailurePath: `s3://${BUCKET}/${layout.asyncFailureDir}`,
          NotificationConfig: { SuccessTopic: topics.success, ErrorTopic: topics.error },
        },
      },
    }),
  );
  await sagemaker.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: ENDPOINT }));
}, 300_000);

afterAll(async () => {
  await stopAllServers(stateDir);
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

test('the smoke test uploads each request, and reads each answer from the output path; a refused one from the failure path', async () => {
  const rows = sampleRows(model, { target: model.targetColumn }, ROWS);
  const clientConfig = emulatorClientConfig(port, region);
  const store = new S3ObjectStore(new S3Client({ ...clientConfig, forcePathStyle: true }));
  const started = performance.now();
  const result = await smokeTest(
    invokeAsyncEndpoint(new SageMakerRuntimeClient({ ...clientConfig, maxAttempts: 1 }), store, {
      endpointName: ENDPOINT,
      modelName: model.name,
      monitoringBucket: BUCKET,
      timeoutMs: 30_000,
      pollMs: 100,
    }),
    rows,
    { problemType: model.problemType },
  );
  console.log(
    `asynchronous smoke of ${ROWS} rows and a malformed request: ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(result.failures).toEqual([]);
  expect(result.answered).toBe(ROWS);
  expect(result.malformedStatus).toBe(400);
  expect(received()).toEqual([...rows, MALFORMED_REQUEST]);
  const layout = new ModelLayout(model.name);
  const objects = async (dir: string) => store.list(`s3://${BUCKET}/${dir}/`);
  expect(await objects(layout.asyncInputDir)).toHaveLength(ROWS + 1);
  expect(await objects(layout.asyncOutputDir)).toHaveLength(ROWS);
  expect(await objects(layout.asyncFailureDir)).toHaveLength(1);
});
