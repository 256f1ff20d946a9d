import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { isOwnProcess } from '../../lib/jobs/process-group';
import {
  localArtifactLocation,
  mlflowAnswers,
  mlflowServerStatus,
  startMlflowServer,
  stopMlflowServer,
} from '../../lib/local/mlflow-server';

jest.setTimeout(240_000);

const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-mlflow-'));
afterAll(async () => {
  await stopMlflowServer(stateDir); // also when a test failed
  rmSync(stateDir, { recursive: true, force: true });
});

/** Records a run with the pipeline's recorder script, as a build would; returns its id. */
function recordRun(url: string, model = 'churn', variables: Record<string, string> = {}): string {
  const evaluation = join(stateDir, 'evaluation.json');
  writeFileSync(evaluation, JSON.stringify({ binary_classification_metrics: { auc: { value: 0.98 } } }));
  const run = spawnSync(
    join(REPO_ROOT, '.venv', 'bin', 'python'),
    [
      join(REPO_ROOT, 'ml', 'tracking', 'record_run.py'),
      'record',
      '--experiment',
      model,
      '--run-name',
      'manual-1',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_TRACKING_URI: url, MLENV_EVALUATION: evaluation, ...variables },
    },
  );
  expect(run.status).toBe(0);
  const { runId } = JSON.parse(run.stdout) as { runId: string };
  // A run not recorded is a warning on stderr: shown when it happens.
  expect(runId === '' ? run.stderr : 'recorded').toBe('recorded');
  return runId;
}

/**
 * A GET of the server's API. Sent again once when the server closed the kept-alive connection the
 * request went out on (its keep-alive ends while a run is recorded in another process): the
 * request never reached it, and a GET may be repeated.
 */
async function get(address: string): Promise<Response> {
  try {
    return await fetch(address);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code !== 'UND_ERR_SOCKET') throw error;
    return fetch(address);
  }
}

async function getRun(url: string, runId: string) {
  const response = await get(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
  return response.ok
    ? ((await response.json()) as { run: { data: { metrics: Array<{ key: string; value: number }> } } })
    : undefined;
}

describe('the local MLflow server', () => {
  let url: string;
  let pid: number;
  let runId: string;

  test('starts on loopback, answers, and records a run sent to it', async () => {
    const server = await startMlflowServer({ stateDir });
    ({ url, pid } = server);
    expect(server.reused).toBe(false);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await mlflowAnswers(url)).toBe(true);
    runId = recordRun(url);
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const run = await getRun(url, runId);
    expect(run?.run.data.metrics).toEqual([expect.objectContaining({ key: 'auc', value: 0.98 })]);
  });

  test('a second start reuses it', async () => {
    const again = await startMlflowServer({ stateDir });
    expect(again).toMatchObject({ reused: true, pid, url });
  });

  test("a model's experiment keeps its run artifacts in the model's own folder of the server's store, as on AWS", async () => {
    // Two models on one server: each run's report lands under <destination>/<model>/<run id>/artifacts/.
    for (const model of ['churn-local', 'fraud-local']) {
      const id = recordRun(url, model, { MLENV_ARTIFACT_LOCATION: localArtifactLocation(model) });
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const onDisk = join(stateDir, 'mlflow', 'artifacts', model, id, 'artifacts', 'evaluation.json');
      expect(existsSync(onDisk)).toBe(true);
      // A reader of the run lists it through the server.
      const listed = (await (await get(`${url}/api/2.0/mlflow/artifacts/list?run_id=${id}`)).json()) as {
        files?: Array<{ path: string }>;
      };
      expect(listed.files?.map((f) => f.path)).toEqual(['evaluation.json']);
    }
  });

  test('stops with its processes, and what it recorded is there after a new start', async () => {
    expect(await stopMlflowServer(stateDir)).toEqual({ stopped: true });
    expect(isOwnProcess(pid, 'mlflow')).toBe(false);
    expect(await mlflowAnswers(url)).toBe(false);
    expect(await mlflowServerStatus(stateDir)).toBeUndefined();
    const restarted = await startMlflowServer({ stateDir });
    expect(restarted.reused).toBe(false);
    expect((await getRun(restarted.url, runId))?.run.data.metrics).toEqual([
      expect.objectContaining({ key: 'auc', value: 0.98 }),
    ]);
  });

  test('without MLflow installed it says how to install it', async () => {
    await expect(
      startMlflowServer({
        stateDir: mkdtempSync(join(tmpdir(), 'mlenv-mlflow-none-')),
        mlflow: '/nonexistent/mlflow',
      }),
    ).rejects.toThrow('run `npm run setup` (it installs MLflow into .venv)');
  });
});
