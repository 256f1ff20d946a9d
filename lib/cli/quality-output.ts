import type { LocalQualityResult } from '../local/local-quality';
import { formatTrainResult } from './train-output';

/** A few lines saying what a model-quality check measured, what broke the gate and what it set off. */
export function formatQualityResult(result: LocalQualityResult): string {
  const lines = [
    `quality ${result.model}: ${result.exitMessage}`,
    `  measured  ${result.metrics.map((m) => `${m.metric} ${m.value.toFixed(3)}`).join(', ')} on ${result.items} labelled request(s)`,
    `  report    ${result.reportUri}/constraint_violations.json`,
    ...result.violations.map((v) => `  violated  ${v.description}`),
    `  rules     ${result.deliveries.length === 0 ? 'none matched' : result.deliveries.map((d) => `${d.rule} -> ${d.targetArn.split(':')[2]}`).join(', ')}`,
  ];
  if (result.retrainInput && !result.retrain)
    lines.push(`  retrain   asked for, not run here: ${JSON.stringify(result.retrainInput)}`);
  if (result.retrain) lines.push(formatTrainResult(result.retrain).replace(/^/gm, '  '));
  return lines.join('\n');
}
