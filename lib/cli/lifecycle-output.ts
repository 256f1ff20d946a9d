import type { LifecycleResult } from '../local/lifecycle';
import type { LocalTrainResult } from '../local/local-train';
import { formatDataPipeline, formatTrackedRun, formatTuningRun } from './train-output';

const version = (arn?: string) => arn?.split('/').at(-1) ?? 'none';
const metrics = (run: LocalTrainResult) =>
  Object.entries(run.metrics)
    .map(([name, value]) => `${name} ${value.toFixed(3)}`)
    .join(', ');

/** The main job's closing summary: what the lifecycle produced, in a few lines. */
export function formatLifecycleSummary(result: LifecycleResult, seconds: number): string {
  const { train, smoke, drift } = result;
  const prediction = (smoke.example.response as { predictions?: Array<{ score: number; label: number }> })
    ?.predictions?.[0];
  const drifted = [...new Set(drift.violations.map((v) => v.feature_name))];
  const principals = new Set(result.checked.map((c) => c.call.principal));
  const denied = result.checked.filter((c) => !c.decision.allowed).length;
  const parts = Object.entries(result.seconds)
    .map(([part, s]) => `${part} ${s.toFixed(1)} s`)
    .join(', ');
  const lines = [
    '',
    `Summary (${result.model}, ${seconds.toFixed(1)} s: ${parts})`,
    `  dataset     ${train.input.datasetS3Uri} (version ${train.input.datasetVersion})`,
    ...(train.data ? [`  features    ${formatDataPipeline(train.data)}`] : []),
    // A tuned model's trials and best one, labelled as this summary's lines are.
    ...Object.values(train.record.tuningJobs)
      .flatMap(formatTuningRun)
      .map((line) => line.replace(/^ {2}(\w+) +/, (_all, label: string) => `  ${label.padEnd(12)}`)),
    `  trained     ${metrics(train)} -> package version ${version(train.modelPackageArn)}`,
    `  MLflow      ${formatTrackedRun(train)} (while the environment runs: \`npx mlenv local up\` keeps one, \`npx mlenv local ui\` names it)`,
    `  served      ${smoke.endpointName}, package version ${version(result.served)}`,
    `  prediction  ${smoke.example.request.split(',').slice(0, 4).join(',')},... -> score ${prediction?.score.toFixed(4) ?? '?'}, label ${prediction?.label ?? '?'}`,
    `  quality     ${result.quality.exitMessage} (${result.quality.metrics
      .slice(0, 2)
      .map((m) => `${m.metric} ${m.value.toFixed(3)}`)
      .join(
        ', ',
      )} on ${result.quality.items} degraded labels)${result.quality.retrainInput ? `; the rule asks to retrain (reason ${String(result.quality.retrainInput.reason)})` : ''}`,
    `  drift       ${drift.exitMessage}${drifted.length > 0 ? ` (${drifted.slice(0, 3).join(', ')}${drifted.length > 3 ? ', ...' : ''})` : ''}`,
  ];
  if (drift.retrain) {
    lines.push(
      `  retrained   ${drift.retrain.status} on the latest dataset version (${drift.retrain.dataset?.datasetVersion ?? 'unresolved'}): ${metrics(drift.retrain)} -> package version ${version(drift.retrain.modelPackageArn)}`,
    );
  } else {
    lines.push('  retrained   no (the environment does not retrain on drift, or nothing drifted)');
  }
  lines.push(
    `  IAM         ${result.checked.length} calls by ${principals.size} principals checked against the deployed policies, ${denied} denied`,
  );
  return lines.join('\n');
}
