import { RECORD_RUN_STATE } from '../../constructs';
import type { DataPipelineSummary, LocalTrainResult } from '../local/local-train';
import type { LocalTuningRun } from '../tools/integrations/tuning-job/tuning-description';
import { failureCause } from '../ops/training-runs';

/** The data of a training run, for `--json` and the lifecycle summary. */
export function trainSummary(result: LocalTrainResult) {
  const denied = result.checkedCalls.filter((c) => !c.decision.allowed);
  return {
    model: result.model,
    execution: result.executionName,
    status: result.status,
    ...(result.error ? { error: result.error, cause: result.cause } : {}),
    // What it trained on (for `latest`, the version latest.json named), else what it was asked.
    datasetS3Uri: result.dataset?.datasetS3Uri ?? result.input.datasetS3Uri,
    datasetVersion: result.dataset?.datasetVersion ?? result.input.datasetVersion,
    requestedVersion: result.input.datasetVersion,
    reason: result.input.reason,
    modelPackageArn: result.modelPackageArn ?? null,
    ...(result.data ? { data: result.data } : {}),
    ...(Object.keys(result.record.tuningJobs).length > 0
      ? { tuning: Object.values(result.record.tuningJobs).map(tuningSummary) }
      : {}),
    mlflowRunId: result.tracking?.runId ?? null,
    metrics: result.metrics,
    states: result.states,
    authorization: { checked: result.checkedCalls.length, denied: denied.length },
  };
}

/** One paragraph saying how a training run ended. */
export function formatTrainResult(result: LocalTrainResult): string {
  const summary = trainSummary(result);
  const metrics = Object.entries(result.metrics)
    .map(([name, value]) => `${name} ${value.toFixed(3)}`)
    .join(', ');
  const lines = [
    `train ${result.model}: ${result.status} (execution ${result.executionName})`,
    ...(result.data
      ? [`  raw       ${result.data.rawDatasetS3Uri}`, `  data      ${formatDataPipeline(result.data)}`]
      : []),
    `  dataset   ${summary.datasetS3Uri} (version ${summary.datasetVersion}${summary.requestedVersion !== summary.datasetVersion ? `, asked for ${summary.requestedVersion}` : ''})`,
    ...Object.values(result.record.tuningJobs).flatMap(formatTuningRun),
    `  metrics   ${metrics || 'none'}`,
    `  package   ${result.modelPackageArn ?? 'none registered'}`,
    `  MLflow    ${formatTrackedRun(result)}`,
    `  IAM       ${summary.authorization.checked} calls checked against the deployed policies, ${summary.authorization.denied} denied`,
  ];
  if (result.error) {
    // The failed script's own error line, not the job description Step Functions reports.
    const failure = failureCause(result.error, result.cause);
    lines.push(`  error     ${failure.line}`);
    if (failure.log) lines.push(`  log       ${failure.log}`);
  }
  return lines.join('\n');
}

/** A tuning job of the run, for `--json`: its trials and the best one. */
function tuningSummary({ description, trials }: LocalTuningRun) {
  const best = description.BestTrainingJob;
  return {
    tuningJob: description.HyperParameterTuningJobName,
    status: description.HyperParameterTuningJobStatus,
    trials: trials.map((t) => ({
      name: t.TrainingJobName,
      status: t.TrainingJobStatus,
      objective: t.FinalHyperParameterTuningJobObjectiveMetric?.Value ?? null,
      hyperParameters: t.TunedHyperParameters,
    })),
    best: best
      ? {
          name: best.TrainingJobName,
          objective: best.FinalHyperParameterTuningJobObjectiveMetric ?? null,
          hyperParameters: best.TunedHyperParameters,
        }
      : null,
  };
}

/**
 * A tuning job of the run in two lines: its trials (by number, with their objective or how they
 * ended), then the best one with its hyperparameters.
 */
export function formatTuningRun({ description, trials }: LocalTuningRun): string[] {
  const config = description.HyperParameterTuningJobConfig as
    { HyperParameterTuningJobObjective?: { Type?: string; MetricName?: string } } | undefined;
  const objective = config?.HyperParameterTuningJobObjective;
  const metric = objective?.MetricName ?? 'objective';
  const each = trials.map((t) => {
    const number = t.TrainingJobName.slice(description.HyperParameterTuningJobName.length + 1).split('-')[0];
    const value = t.FinalHyperParameterTuningJobObjectiveMetric?.Value;
    return `${number} ${value !== undefined ? value.toFixed(3) : t.TrainingJobStatus === 'Completed' ? `no ${metric}` : t.TrainingJobStatus}`;
  });
  const best = description.BestTrainingJob;
  const tuned = (values: Readonly<Record<string, string>>) =>
    Object.entries(values)
      .map(([name, value]) => `${name}=${shortNumber(value)}`)
      .join(', ');
  return [
    `  tuning    ${description.HyperParameterTuningJobName} ${description.HyperParameterTuningJobStatus}: ${trials.length} trials by ${metric}${objective?.Type ? ` (${objective.Type})` : ''}: ${each.join(', ')}`,
    `  best      ${
      best
        ? `${best.TrainingJobName}: ${metric} ${best.FinalHyperParameterTuningJobObjectiveMetric?.Value.toFixed(3)} with ${tuned(best.TunedHyperParameters) || 'no ranges'}`
        : `none: no trial succeeded${firstFailure(trials)}`
    }`,
  ];
}

/** Why the first failed trial failed (its script's error line, where its whole log is), if one did. */
function firstFailure(trials: LocalTuningRun['trials']): string {
  const failed = trials.find((t) => t.FailureReason);
  if (!failed) return '';
  const { line, log } = failureCause(undefined, JSON.stringify({ FailureReason: failed.FailureReason }));
  return `; ${failed.TrainingJobName}: ${line}${log ? ` (full log: ${log})` : ''}`;
}

/** A sampled value as a reader takes it in: a long decimal to 4 significant digits, anything else as it is. */
function shortNumber(value: string): string {
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) && !Number.isInteger(number) && value.length > 6
    ? String(Number(number.toPrecision(4)))
    : value;
}

/** Where the run is recorded: `run <id> at <server>`, or why not. */
export function formatTrackedRun(result: LocalTrainResult): string {
  if (!result.tracking) {
    // States of a child execution are named `<parent> > <state>`.
    const recorded = result.states.some((s) => s.state.split(' > ').at(-1) === RECORD_RUN_STATE);
    return recorded
      ? `not recorded (no tracking server, or it did not answer: see its ${RECORD_RUN_STATE} build with \`mlenv logs local ${result.executionName}\`)`
      : `not recorded (the run ended before ${RECORD_RUN_STATE})`;
  }
  return `run ${result.tracking.runId}${result.tracking.url ? ` at ${result.tracking.url}` : ''}`;
}

/** The data pipeline's part of a run on one line: ETL -> dbt -> features. */
export function formatDataPipeline(data: DataPipelineSummary): string {
  const etl = data.etl
    ? `ETL ${data.etl.rows_written} rows (${data.etl.rows_quarantined} quarantined)`
    : 'ETL (no report)';
  const dbt = data.dbtStatuses
    ? `dbt ${Object.entries(data.dbtStatuses)
        .map(([status, count]) => `${count} ${status}`)
        .join(', ')}`
    : 'dbt (no results)';
  return `${etl} -> ${dbt} -> ${data.featuresS3Uri ?? 'no features'}`;
}

/** Prints a local training run (as JSON with `json`); a run that did not succeed exits 1. */
export function printTrainResult(result: LocalTrainResult, json: boolean | undefined): void {
  if (json) console.log(JSON.stringify(trainSummary(result), null, 2));
  else console.log(formatTrainResult(result));
  if (result.status !== 'SUCCEEDED') process.exitCode = 1;
}
