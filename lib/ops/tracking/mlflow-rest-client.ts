/**
 * A client of the MLflow REST API (`/api/2.0/mlflow/...`, MLflow 3.x), for the few calls the CLI
 * makes. It speaks through a `fetch`-like function and an optional request signer, so that one
 * client reaches the local server (plain HTTP on loopback) and a SageMaker managed tracking server
 * (signed requests), and tests pass a fake.
 */

/** A request as the client sends it: the URL and what `fetch` needs beside it. */
export interface MlflowHttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The narrow `fetch` this client uses (the global `fetch` is one). */
export type MlflowFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ readonly status: number; text(): Promise<string> }>;

/** Adds what a server needs to a request before it is sent (SageMaker's header and signature). */
export type MlflowRequestSigner = (request: MlflowHttpRequest) => Promise<MlflowHttpRequest>;

export interface MlflowRestClientOptions {
  /** Where the server is: `http://127.0.0.1:5000`, `https://<region>.experiments.sagemaker.aws`. */
  readonly baseUrl: string;
  /** @default the global `fetch` */
  readonly fetch?: MlflowFetch;
  /** @default none: requests are sent as they are */
  readonly sign?: MlflowRequestSigner;
}

/** An error MLflow answered with: its `error_code` (`RESOURCE_DOES_NOT_EXIST`, ...) and message. */
export class MlflowApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly detail: string,
    where: string,
  ) {
    super(`MLflow at ${where} answered HTTP ${status} ${errorCode}: ${detail}`);
    this.name = 'MlflowApiError';
  }
}

/** An experiment as MLflow describes it. */
export interface MlflowExperiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly lifecycle_stage?: string;
}

/** A run as `runs/search` describes it (the fields the CLI reads). */
export interface MlflowRun {
  readonly info: {
    readonly run_id: string;
    readonly run_name?: string;
    readonly experiment_id?: string;
    readonly status?: string;
    /** Milliseconds since the epoch (a number, or a string where a server keeps int64 as text). */
    readonly start_time?: number | string;
    readonly end_time?: number | string;
  };
  readonly data?: {
    readonly metrics?: ReadonlyArray<{ readonly key: string; readonly value: number }>;
    readonly params?: ReadonlyArray<{ readonly key: string; readonly value: string }>;
    readonly tags?: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  };
}

export interface SearchRunsRequest {
  readonly experimentIds: readonly string[];
  readonly orderBy?: readonly string[];
  readonly maxResults?: number;
  readonly pageToken?: string;
}

export interface SearchRunsPage {
  readonly runs: readonly MlflowRun[];
  readonly nextPageToken?: string;
}

const API = '/api/2.0/mlflow';

export class MlflowRestClient {
  private readonly baseUrl: string;
  private readonly fetch: MlflowFetch;
  private readonly sign?: MlflowRequestSigner;

  constructor(options: MlflowRestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.sign = options.sign;
  }

  /** The experiment named `name`, or undefined when there is none (`RESOURCE_DOES_NOT_EXIST`). */
  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    try {
      const answer = await this.call<{ experiment: MlflowExperiment }>('GET', '/experiments/get-by-name', {
        query: { experiment_name: name },
      });
      return answer.experiment;
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /** One page of `runs/search`. */
  async searchRuns(request: SearchRunsRequest): Promise<SearchRunsPage> {
    const answer = await this.call<{ runs?: MlflowRun[]; next_page_token?: string }>('POST', '/runs/search', {
      body: {
        experiment_ids: request.experimentIds,
        ...(request.orderBy ? { order_by: request.orderBy } : {}),
        ...(request.maxResults !== undefined ? { max_results: request.maxResults } : {}),
        ...(request.pageToken ? { page_token: request.pageToken } : {}),
      },
    });
    return { runs: answer.runs ?? [], nextPageToken: answer.next_page_token || undefined };
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    { query, body }: { query?: Record<string, string>; body?: unknown },
  ): Promise<T> {
    // Spaces as %20, not `+`: SigV4 canonicalizes the query that way (the plugin rewrites MLflow's `+`).
    const search = Object.entries(query ?? {})
      .map(([name, value]) => `${uriEscape(name)}=${uriEscape(value)}`)
      .join('&');
    const url = new URL(`${this.baseUrl}${API}${path}${search ? `?${search}` : ''}`);
    let request: MlflowHttpRequest = {
      method,
      url,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    if (this.sign) request = await this.sign(request);
    const where = `${url.origin}${url.pathname}`;
    let response: Awaited<ReturnType<MlflowFetch>>;
    try {
      response = await this.fetch(request.url.toString(), {
        method: request.method,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new Error(`cannot reach MLflow at ${where}: ${cause}`, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.status < 200 || response.status >= 300) {
      const e = (parsed ?? {}) as { error_code?: string; message?: string; Message?: string };
      throw new MlflowApiError(
        response.status,
        e.error_code ?? 'HTTP_ERROR',
        e.message ?? e.Message ?? (text.trim().slice(0, 200) || 'no message'),
        where,
      );
    }
    if (parsed === undefined || typeof parsed !== 'object') {
      throw new Error(`MLflow at ${where} answered with something that is not JSON: ${text.slice(0, 200)}`);
    }
    return parsed as T;
  }
}

/** RFC 3986 percent-encoding: everything but letters, digits and `-_.~`. */
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
