import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The metrics `ml/evaluate.py` writes into evaluation.json, per problem type: what a quality gate
 * may test. Declared once in `ml/evaluation-metrics.json`, which the workload's tests check the
 * script against.
 */
export const EVALUATION_METRICS: Readonly<Record<string, readonly string[]>> = JSON.parse(
  readFileSync(join(__dirname, '..', 'ml', 'evaluation-metrics.json'), 'utf8'),
);
