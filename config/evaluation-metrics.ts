import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a larger value of a metric is the better model. */
export type MetricDirection = 'higher' | 'lower';

/**
 * The metrics a model's evaluation writes into evaluation.json, per problem type, each with the
 * direction that is better: what a quality gate and the champion comparison may test. Declared
 * once in `ml/evaluation-metrics.json`, which the workload's tests check every model's evaluation
 * against.
 */
export const METRIC_GROUPS: Readonly<Record<string, Readonly<Record<string, MetricDirection>>>> = JSON.parse(
  readFileSync(join(__dirname, '..', 'ml', 'evaluation-metrics.json'), 'utf8'),
);

/** The metric names of each problem type. */
export const EVALUATION_METRICS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(METRIC_GROUPS).map(([problemType, metrics]) => [problemType, Object.keys(metrics)]),
);

/** The problem types there are metrics for. */
export const PROBLEM_TYPES = Object.keys(METRIC_GROUPS) as [string, ...string[]];
