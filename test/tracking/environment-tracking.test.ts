import { type EnvironmentConfig, platformConfig } from '../../config';
import { listRuns } from '../../lib/ops/tracking/list-runs';
import { trackingClientFor, environmentTrackingServerArn } from '../../lib/ops/tracking/environment-tracking';
import { recordedRun, startFakeMlflow } from '../support/fake-mlflow-server';

const config = platformConfig();
const byName = (name: string) => config.environments.find((e) => e.name === name)!;
/** An AWS environment of the configuration with the tracking server it is given here. */
const awsEnvironment = (server: 'managed' | 'none'): EnvironmentConfig => {
  const staging = byName('staging');
  return { ...staging, tracking: { ...staging.tracking, server } };
};
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const noLocalServer = async () => undefined;

test("tracking.server 'none' is a clear error naming the environment and the knob, before any call", async () => {
  const env = awsEnvironment('none');
  const credentials = jest.fn(async () => CREDENTIALS);
  const fetch = jest.fn();
  await expect(
    trackingClientFor(config.project, env, { credentials, localServerUrl: noLocalServer, fetch }),
  ).rejects.toThrow(`${env.name} records no training runs: its configuration sets tracking.server to 'none'`);
  expect(credentials).not.toHaveBeenCalled();
  expect(fetch).not.toHaveBeenCalled();
});

test("a managed server is the environment's named server, reached in its region with signed requests", async () => {
  const env = awsEnvironment('managed');
  const arn = `arn:aws:sagemaker:${env.region}:${env.account}:mlflow-tracking-server/${config.project}-${env.name}-mlflow`;
  expect(environmentTrackingServerArn(config.project, env)).toBe(arn);
  const sent: Array<{ url: string; headers: Record<string, string> }> = [];
  const client = await trackingClientFor(config.project, env, {
    credentials: async () => CREDENTIALS,
    localServerUrl: noLocalServer,
    fetch: async (url, init) => {
      sent.push({ url, headers: init.headers });
      return { status: 404, text: async () => '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}' };
    },
  });
  expect(await listRuns(client, 'churn', 20)).toEqual({ model: 'churn', runs: [] });
  expect(sent[0].url).toBe(
    `https://${env.region}.experiments.sagemaker.aws/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn`,
  );
  expect(sent[0].headers['x-mlflow-sm-tracking-server-arn']).toBe(arn);
  expect(sent[0].headers.authorization).toContain(`/${env.region}/sagemaker-mlflow/aws4_request`);
});

test('--region moves the server the ARN names (as it moves every call of the CLI)', () => {
  expect(environmentTrackingServerArn(config.project, awsEnvironment('managed'), 'us-gov-west-1')).toMatch(
    /^arn:aws-us-gov:sagemaker:us-gov-west-1:\d{12}:mlflow-tracking-server\//,
  );
});

describe('the local environment', () => {
  const local = byName('local');

  test('is its MLflow server on loopback, plain HTTP, no AWS credentials asked for', async () => {
    const server = await startFakeMlflow({
      experiments: { churn: { id: '1', runs: [recordedRun('r1', 1_000)] } },
    });
    try {
      const credentials = jest.fn(async () => CREDENTIALS);
      const client = await trackingClientFor(config.project, local, {
        credentials,
        localServerUrl: async () => server.url,
      });
      expect((await listRuns(client, 'churn', 20)).runs.map((r) => r.runId)).toEqual(['r1']);
      expect(credentials).not.toHaveBeenCalled();
      expect(server.requests[0].headers.authorization).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  test('not running is a clear error saying to run mlenv local up', async () => {
    await expect(
      trackingClientFor(config.project, local, {
        credentials: async () => CREDENTIALS,
        localServerUrl: noLocalServer,
      }),
    ).rejects.toThrow(
      'local: its MLflow tracking server is not running: start the local environment with npx mlenv local up',
    );
  });
});
