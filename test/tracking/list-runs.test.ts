import { formatModelRuns } from '../../lib/cli/runs-output';
import { listRuns } from '../../lib/ops/tracking/list-runs';
import { MlflowApiError, MlflowRestClient } from '../../lib/ops/tracking/mlflow-rest-client';
import { recordedRun, startFakeMlflow } from '../support/fake-mlflow-server';

const PACKAGE = 'arn:aws:sagemaker:eu-west-1:222222222222:model-package/mlenv-staging-churn/4';
const at = (iso: string) => Date.parse(iso);

/** Five churn runs: the newest registered, one below the quality gate, one failed. */
const churnRuns = [
  recordedRun('r1', at('2026-03-01T10:00:00Z'), { metrics: { auc: 0.9, accuracy: 0.8 } }),
  recordedRun('r2', at('2026-03-02T10:00:00Z'), { metrics: { auc: 0.61, accuracy: 0.55 } }),
  recordedRun('r3', at('2026-03-03T10:00:00Z'), { status: 'FAILED' }),
  recordedRun('r4', at('2026-03-04T10:00:00Z'), { metrics: { auc: 0.93 } }),
  recordedRun('r5', at('2026-03-05T10:30:15.250Z'), {
    metrics: { auc: 0.97, accuracy: 0.912 },
    packageArn: PACKAGE,
  }),
];

async function withServer<T>(
  options: Parameters<typeof startFakeMlflow>[0],
  body: (server: Awaited<ReturnType<typeof startFakeMlflow>>, client: MlflowRestClient) => Promise<T>,
): Promise<T> {
  const server = await startFakeMlflow(options);
  try {
    return await body(server, new MlflowRestClient({ baseUrl: server.url }));
  } finally {
    await server.close();
  }
}

test('lists the runs newest first with their metrics, dataset version and package, following the pages', () =>
  withServer(
    { experiments: { churn: { id: '7', runs: churnRuns } }, pageSize: 2 },
    async (server, client) => {
      const result = await listRuns(client, 'churn', 20);
      expect(result.experimentId).toBe('7');
      expect(result.runs.map((r) => r.runId)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
      expect(result.runs[0]).toEqual({
        runId: 'r5',
        runName: 'exec-r5',
        startTime: '2026-03-05T10:30:15.250Z',
        status: 'FINISHED',
        metrics: { auc: 0.97, accuracy: 0.912 },
        datasetVersion: 'v-r5',
        codeVersion: 'c0ffee',
        execution: undefined,
        modelPackageArn: PACKAGE,
      });
      expect(result.runs[1].modelPackageArn).toBeUndefined();
      // Three pages of two: the second and third ask with the token the page before answered.
      const searches = server.requests.filter((r) => r.url === '/api/2.0/mlflow/runs/search');
      expect(searches.map((r) => JSON.parse(r.body))).toEqual([
        { experiment_ids: ['7'], order_by: ['attributes.start_time DESC'], max_results: 20 },
        { experiment_ids: ['7'], order_by: ['attributes.start_time DESC'], max_results: 18, page_token: '2' },
        { experiment_ids: ['7'], order_by: ['attributes.start_time DESC'], max_results: 16, page_token: '4' },
      ]);
      expect(searches[0].headers['content-type']).toBe('application/json');
      expect(server.requests[0]).toMatchObject({
        method: 'GET',
        url: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn',
      });

      expect(formatModelRuns('staging', [result])).toBe(
        [
          'churn: the newest 5 run(s) in staging (experiment 7)',
          `  r5  2026-03-05T10:30:15.250Z  FINISHED  auc 0.970, accuracy 0.912  dataset v-r5  package ${PACKAGE}`,
          '  r4  2026-03-04T10:00:00.000Z  FINISHED  auc 0.930  dataset v-r4  not registered',
          '  r3  2026-03-03T10:00:00.000Z  FAILED    no metrics  dataset v-r3  not registered',
          '  r2  2026-03-02T10:00:00.000Z  FINISHED  auc 0.610, accuracy 0.550  dataset v-r2  not registered',
          '  r1  2026-03-01T10:00:00.000Z  FINISHED  auc 0.900, accuracy 0.800  dataset v-r1  not registered',
        ].join('\n'),
      );
    },
  ));

test('--max: no more runs than asked, and no page after the last one needed', () =>
  withServer(
    { experiments: { churn: { id: '7', runs: churnRuns } }, pageSize: 2 },
    async (server, client) => {
      const result = await listRuns(client, 'churn', 3);
      expect(result.runs.map((r) => r.runId)).toEqual(['r5', 'r4', 'r3']);
      const searches = server.requests.filter((r) => r.url === '/api/2.0/mlflow/runs/search');
      expect(searches.map((r) => JSON.parse(r.body).max_results)).toEqual([3, 1]);
    },
  ));

test('a model with no experiment yet has no runs, and that is not an error', () =>
  withServer({ experiments: {} }, async (server, client) => {
    const result = await listRuns(client, 'churn', 20);
    expect(result).toEqual({ model: 'churn', runs: [] });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn',
    ]);
    expect(formatModelRuns('dev', [result])).toBe('churn: no runs recorded in dev yet');
  }));

test('an experiment without runs says so', () =>
  withServer({ experiments: { churn: { id: '3', runs: [] } } }, async (_server, client) => {
    const result = await listRuns(client, 'churn', 20);
    expect(result).toEqual({ model: 'churn', experimentId: '3', runs: [] });
    expect(formatModelRuns('dev', [result])).toBe('churn: no runs in dev (experiment 3)');
  }));

test("a server error is reported with MLflow's error_code and message", () =>
  withServer(
    {
      experiments: { churn: { id: '7', runs: churnRuns } },
      searchError: {
        status: 400,
        body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid order_by clause' },
      },
    },
    async (server, client) => {
      const error = await listRuns(client, 'churn', 20).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MlflowApiError);
      expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
      expect((error as Error).message).toBe(
        `MLflow at ${server.url}/api/2.0/mlflow/runs/search answered HTTP 400 INVALID_PARAMETER_VALUE: Invalid order_by clause`,
      );
    },
  ));

test('an answer that is not MLflow JSON (a proxy, say) is reported with the status and text', async () => {
  const client = new MlflowRestClient({
    baseUrl: 'https://mlflow.example',
    fetch: async () => ({ status: 502, text: async () => '<html>Bad Gateway</html>' }),
  });
  await expect(listRuns(client, 'churn', 20)).rejects.toThrow(
    'MLflow at https://mlflow.example/api/2.0/mlflow/experiments/get-by-name answered HTTP 502 HTTP_ERROR: <html>Bad Gateway</html>',
  );
});

test('a server that does not answer is named in the error', async () => {
  const server = await startFakeMlflow({});
  await server.close();
  const client = new MlflowRestClient({ baseUrl: server.url });
  await expect(listRuns(client, 'churn', 20)).rejects.toThrow(`cannot reach MLflow at ${server.url}`);
});

test('the experiment name is escaped in the query, spaces as %20 (as SigV4 canonicalizes them)', async () => {
  const urls: string[] = [];
  const client = new MlflowRestClient({
    baseUrl: 'https://mlflow.example/',
    fetch: async (url) => {
      urls.push(url);
      return { status: 404, text: async () => JSON.stringify({ error_code: 'RESOURCE_DOES_NOT_EXIST' }) };
    },
  });
  await client.getExperimentByName("a b+c's");
  expect(urls).toEqual([
    'https://mlflow.example/api/2.0/mlflow/experiments/get-by-name?experiment_name=a%20b%2Bc%27s',
  ]);
});

// MLflow's nested runs carry the tag mlflow.parentRunId: a tuned run's trials are children of it.
test('a tuned run is listed with its tuning job, and its trials (child runs) are not listed as runs', () => {
  const parent = recordedRun('p1', at('2026-03-06T10:00:00Z'), {
    metrics: { auc: 0.95 },
    tags: { 'mlenv.tuning_job': 'churn-tune-0123456789abcdef' },
  });
  const trials = [1, 2, 3].map((n) =>
    recordedRun(`t${n}`, at(`2026-03-06T10:0${n}:00Z`), {
      tags: { 'mlflow.parentRunId': 'p1', 'mlenv.tuning_job': 'churn-tune-0123456789abcdef' },
    }),
  );
  return withServer(
    { experiments: { churn: { id: '7', runs: [...churnRuns, parent, ...trials] } }, pageSize: 2 },
    async (_server, client) => {
      const result = await listRuns(client, 'churn', 3);
      expect(result.runs.map((r) => r.runId)).toEqual(['p1', 'r5', 'r4']);
      expect(result.runs[0].tuningJob).toBe('churn-tune-0123456789abcdef');
      expect(formatModelRuns('staging', [result])).toContain('tuned by churn-tune-0123456789abcdef');
    },
  );
});
