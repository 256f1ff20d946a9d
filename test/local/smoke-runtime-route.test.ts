import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ValidationError } from '@aws-sdk/client-sagemaker-runtime';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { localEnvironment } from '../../lib/local/emulator-up';
import { localInvoke, sampleRows } from '../../lib/local/local-smoke';
import { startServer, stopAllServers } from '../../lib/local/serving-process';
import { MALFORMED_REQUEST, smokeTest } from '../../lib/ops/endpoint-smoke';

/**
 * `mlenv local smoke` calls the served model as applications do: SageMaker Runtime's
 * InvokeEndpoint at the local environment's one AWS endpoint URL (the emulator), which answers as
 * SageMaker does (ValidationError for an endpoint that is not deployed) before any request reaches
 * a container. The container here is a stand-in-like server under SageMaker's inference contract
 * (`POST /invocations`, JSON predictions, a 4xx for a request it cannot read) that logs each body
 * it gets, started as `local serve` starts the stand-in (its record names the endpoint).
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
jest.setTimeout(120_000);

const config = platformConfig();
const region = localEnvironment(config).region;
const models = config.models;
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-smoke-route-'));
const ROWS = 5;
const deployedName = (model: string) => `smoke-route-${model}`;
/** An endpoint a stand-in serves under its record that the emulator has not deployed. */
const undeployedName = (model: string) => `smoke-route-undeployed-${model}`;

/**
 * A container answering one prediction per request (a score, its label and class scores: the
 * shape of each problem type), 400 for a body that is not numbers, each body logged to argv[1].
 * Its command line keeps the stand-in's (serving_standin.py), by which a record's pid is known.
 */
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
const requestLogs = new Map<string, string>();
/** The bodies the container of `model` got, in order. */
const received = (model: string): string[] => {
  const file = requestLogs.get(model)!;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { body: string }).body);
};

/** Starts the container as `local serve` starts the stand-in, under `endpointName`, logging to its own file. */
async function serve(name: string, endpointName: string): Promise<void> {
  const containerScript = join(stateDir, 'container.py');
  writeFileSync(containerScript, CONTAINER);
  const requestLog = join(stateDir, `${name}-requests.jsonl`);
  requestLogs.set(name, requestLog);
  // The interpreter startServer runs the stand-in with: runs the container instead, keeping its arguments.
  const python = join(stateDir, `${name}-python`);
  writeFileSync(python, `#!/bin/sh\nexec python3 '${containerScript}' '${requestLog}' "$@"\n`);
  chmodSync(python, 0o755);
  await startServer({
    stateDir,
    model: name,
    modelDir: stateDir,
    endpointName,
    variantName: 'AllTraffic',
    modelPackageArn: `arn:aws:sagemaker:${region}:123456789012:model-package/${name}/1`,
    modelDataUrl: `s3://models/${name}/model.tar.gz`,
    python,
  });
}

beforeAll(async () => {
  const emulator = await startEmulator({ stateDir });
  port = emulator.port;
  const sagemaker = new SageMakerClient(emulatorClientConfig(port, region));
  for (const model of models) {
    await serve(model.name, deployedName(model.name));
    // Served on this machine under a record that names it, but not deployed: SageMaker knows no such endpoint.
    await serve(`${model.name}-undeployed`, undeployedName(model.name));
    const name = deployedName(model.name);
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/smoke-route-test',
        PrimaryContainer: { Image: 'serving:latest', ModelDataUrl: `s3://models/${model.name}/model.tar.gz` },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: name,
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
          },
        ],
      }),
    );
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  }
}, 300_000);

afterAll(async () => {
  await stopAllServers(stateDir);
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

describe.each(models.map((m) => [m.name]))('%s', (model) => {
  const modelConfig = config.models.find((m) => m.name === model)!;
  const rows = () => sampleRows(modelConfig, { target: modelConfig.targetColumn }, ROWS);

  test("the smoke test's requests reach the endpoint's container through the emulator's InvokeEndpoint", async () => {
    const before = received(model).length;
    const result = await smokeTest(localInvoke(port, region, deployedName(model)), rows());
    expect(result.failures).toEqual([]);
    expect(result.answered).toBe(ROWS);
    // The container's 4xx, as SageMaker reports it (a ModelError with its status).
    expect(result.malformedStatus).toBe(400);
    expect(received(model).slice(before)).toEqual([...rows(), MALFORMED_REQUEST]);
  });

  test('an endpoint name the emulator has not deployed is a ValidationError, and nothing reaches a container', async () => {
    const containers = [model, `${model}-undeployed`];
    const before = containers.map((c) => received(c).length);
    // One a stand-in serves under its record, and one nothing knows.
    for (const name of [undeployedName(model), `${deployedName(model)}-none`]) {
      const error = await smokeTest(localInvoke(port, region, name), rows()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(
        new RegExp(`^Endpoint ${name} of account \\d{12} not found\\.$`),
      );
    }
    expect(containers.map((c) => received(c).length)).toEqual(before);
  });
});
