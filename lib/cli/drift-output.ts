import type { LocalDriftResult } from '../local/local-drift';
import { formatTrainResult } from './train-output';

/** A few lines saying what a drift check found and what it set off. */
export function formatDriftResult(result: LocalDriftResult): string {
  const drifted = [...new Set(result.violations.map((v) => v.feature_name))];
  const lines = [
    `drift ${result.model}: ${result.exitMessage}`,
    `  report    ${result.reportUri}/constraint_violations.json`,
    ...(drifted.length > 0
      ? [
          `  drifted   ${drifted.slice(0, 8).join(', ')}${drifted.length > 8 ? `, ... (${drifted.length} features)` : ''}`,
        ]
      : []),
    `  rules     ${result.deliveries.length === 0 ? 'none matched' : result.deliveries.map((d) => `${d.rule.split('-').slice(-2, -1)[0] ?? d.rule} -> ${d.targetArn.split(':')[2]}`).join(', ')}`,
  ];
  if (result.retrain) lines.push(formatTrainResult(result.retrain).replace(/^/gm, '  '));
  return lines.join('\n');
}
