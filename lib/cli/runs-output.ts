import type { ModelRuns, TrackedRun } from '../ops/tracking/list-runs';

/** The runs of each model, one line a run, newest first. */
export function formatModelRuns(environment: string, results: readonly ModelRuns[]): string {
  const lines: string[] = [];
  for (const { model, experimentId, runs } of results) {
    if (experimentId === undefined) {
      lines.push(`${model}: no runs recorded in ${environment} yet`);
      continue;
    }
    lines.push(
      runs.length === 0
        ? `${model}: no runs in ${environment} (experiment ${experimentId})`
        : `${model}: the newest ${runs.length} run(s) in ${environment} (experiment ${experimentId})`,
    );
    for (const run of runs) lines.push(`  ${formatRun(run)}`);
  }
  return lines.join('\n');
}

/** `<run id>  <start>  <status>  <metrics>  dataset <version>  [tuned by <job>]  <package or "not registered">`. */
export function formatRun(run: TrackedRun): string {
  const metrics = Object.entries(run.metrics)
    .map(([name, value]) => `${name} ${value.toFixed(3)}`)
    .join(', ');
  return [
    run.runId,
    run.startTime ?? 'start unknown',
    run.status.padEnd(8),
    metrics || 'no metrics',
    `dataset ${run.datasetVersion ?? '?'}`,
    ...(run.tuningJob ? [`tuned by ${run.tuningJob}`] : []),
    run.modelPackageArn ? `package ${run.modelPackageArn}` : 'not registered',
  ].join('  ');
}
