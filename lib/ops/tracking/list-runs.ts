import runTags from '../../../ml/tracking/run_tags.json';
import type { MlflowRestClient, MlflowRun } from './mlflow-rest-client';

/** The tags `ml/tracking/record_run.py` writes on a run (lineage), and `link` once it is registered. */
export const RUN_TAGS: Readonly<typeof runTags> = runTags;

/** A training run as `mlenv runs` shows it. */
export interface TrackedRun {
  readonly runId: string;
  /** The run's name: the pipeline execution's. */
  readonly runName?: string;
  /** When it started, UTC ISO 8601. */
  readonly startTime?: string;
  /** MLflow's status: FINISHED, FAILED, RUNNING, ... */
  readonly status: string;
  /** Every metric as logged (`auc`, `accuracy`, ...): its latest value. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly datasetVersion?: string;
  readonly codeVersion?: string;
  readonly execution?: string;
  /** The model package it produced; absent when it was not registered (below the quality gate, say). */
  readonly modelPackageArn?: string;
  /** The tuning job of a tuned run (its trials are its child runs, not listed). */
  readonly tuningJob?: string;
}

/** The tag MLflow puts on a nested run: a tuning trial's, under its pipeline run. */
const PARENT_RUN_TAG = 'mlflow.parentRunId';

/** A model's runs: none when its experiment does not exist yet (no run was ever recorded). */
export interface ModelRuns {
  readonly model: string;
  /** The experiment (named after the model); undefined when it does not exist. */
  readonly experimentId?: string;
  /** Newest first. */
  readonly runs: readonly TrackedRun[];
}

/** How many runs one `runs/search` asks for at most (MLflow's own default page). */
const PAGE_SIZE = 1000;

/**
 * The newest `max` runs of `model`'s experiment, newest first, following the pages; a tuned run's
 * trials (its child runs) are not runs of the pipeline and are left out.
 */
export async function listRuns(
  client: Pick<MlflowRestClient, 'getExperimentByName' | 'searchRuns'>,
  model: string,
  max: number,
): Promise<ModelRuns> {
  const experiment = await client.getExperimentByName(model);
  if (!experiment) return { model, runs: [] };
  const runs: TrackedRun[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchRuns({
      experimentIds: [experiment.experiment_id],
      orderBy: ['attributes.start_time DESC'],
      maxResults: Math.min(max - runs.length, PAGE_SIZE),
      pageToken,
    });
    const pipelineRuns = page.runs.filter((run) => !run.data?.tags?.some((t) => t.key === PARENT_RUN_TAG));
    runs.push(...pipelineRuns.slice(0, max - runs.length).map(trackedRun));
    pageToken = page.nextPageToken;
  } while (pageToken && runs.length < max);
  return { model, experimentId: experiment.experiment_id, runs };
}

/** A run of `runs/search` as the CLI shows it. */
export function trackedRun(run: MlflowRun): TrackedRun {
  const tags = Object.fromEntries((run.data?.tags ?? []).map((t) => [t.key, t.value]));
  const start = run.info.start_time === undefined ? undefined : Number(run.info.start_time);
  return {
    runId: run.info.run_id,
    runName: run.info.run_name,
    startTime: start !== undefined && Number.isFinite(start) ? new Date(start).toISOString() : undefined,
    status: run.info.status ?? 'UNKNOWN',
    metrics: Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, Number(m.value)])),
    datasetVersion: tags[RUN_TAGS.datasetVersion],
    codeVersion: tags[RUN_TAGS.codeVersion],
    execution: tags[RUN_TAGS.execution],
    modelPackageArn: tags[RUN_TAGS.modelPackageArn] || undefined,
    tuningJob: tags[RUN_TAGS.tuningJob] || undefined,
  };
}
