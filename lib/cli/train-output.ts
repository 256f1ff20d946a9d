import { RECORD_RUN_STATE } from '../../constructs';
import type { DataPipelineSummary, LocalTrainResult } from '../local/local-train';
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
