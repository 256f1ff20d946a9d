import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MlflowRun } from '../../lib/ops/tracking/mlflow-rest-client';

/** A request the fake server received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface FakeMlflowOptions {
  /** Experiments by name, each with its runs (in any order: the server sorts them). */
  readonly experiments?: Readonly<Record<string, { id: string; runs: readonly MlflowRun[] }>>;
  /** At most this many runs a page, whatever `max_results` asks (to make paging happen). */
  readonly pageSize?: number;
  /** Answer every `runs/search` with this status and body (an error). */
  readonly searchError?: { status: number; body: unknown };
}

/**
 * An MLflow tracking server's REST API on loopback, as much of it as `mlenv runs` uses:
 * `experiments/get-by-name` (404 RESOURCE_DOES_NOT_EXIST for an unknown name) and `runs/search`
 * (ordered by start time, newest first; `max_results`; `page_token` as an offset).
 */
export async function startFakeMlflow(options: FakeMlflowOptions) {
  const requests: ReceivedRequest[] = [];
  const experiments = options.experiments ?? {};
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, 'http://fake');
      const answer = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'GET' && url.pathname === '/api/2.0/mlflow/experiments/get-by-name') {
        const name = url.searchParams.get('experiment_name') ?? '';
        const found = experiments[name];
        if (!found) {
          return answer(404, {
            error_code: 'RESOURCE_DOES_NOT_EXIST',
            message: `Could not find experiment with name '${name}'`,
          });
        }
        return answer(200, { experiment: { experiment_id: found.id, name, lifecycle_stage: 'active' } });
      }
      if (req.method === 'POST' && url.pathname === '/api/2.0/mlflow/runs/search') {
        if (options.searchError) return answer(options.searchError.status, options.searchError.body);
        const search = JSON.parse(body) as {
          experiment_ids: string[];
          order_by?: string[];
          max_results?: number;
          page_token?: string;
        };
        const runs = Object.values(experiments)
          .filter((e) => search.experiment_ids.includes(e.id))
          .flatMap((e) => e.runs)
          .sort((a, b) => Number(b.info.start_time) - Number(a.info.start_time));
        const offset = Number(search.page_token ?? 0);
        const size = Math.min(search.max_results ?? 1000, options.pageSize ?? Infinity);
        const page = runs.slice(offset, offset + size);
        const next = offset + size < runs.length ? String(offset + size) : undefined;
        return answer(200, {
          ...(page.length ? { runs: page } : {}),
          ...(next ? { next_page_token: next } : {}),
        });
      }
      answer(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `no ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A run as `runs/search` describes one that `record_run.py` recorded (and maybe linked). */
export function recordedRun(
  id: string,
  startMs: number,
  {
    metrics = {},
    packageArn,
    status = 'FINISHED',
    tags = {},
  }: {
    metrics?: Record<string, number>;
    packageArn?: string;
    status?: string;
    tags?: Record<string, string>;
  } = {},
): MlflowRun {
  return {
    info: { run_id: id, run_name: `exec-${id}`, experiment_id: '1', status, start_time: startMs },
    data: {
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value })),
      params: [{ key: 'dataset_version', value: `v-${id}` }],
      tags: [
        { key: 'mlenv.dataset_version', value: `v-${id}` },
        { key: 'mlenv.code_version', value: 'c0ffee' },
        { key: 'mlflow.runName', value: `exec-${id}` },
        ...(packageArn ? [{ key: 'mlenv.model_package_arn', value: packageArn }] : []),
        ...Object.entries(tags).map(([key, value]) => ({ key, value })),
      ],
    },
  };
}
