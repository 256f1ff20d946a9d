import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { ChampionComparison } from './champion-gate';

/** What kind of model is trained; selects the metrics group of `evaluation.json`. */
export enum ProblemType {
  BINARY_CLASSIFICATION = 'binary_classification',
  MULTICLASS_CLASSIFICATION = 'multiclass_classification',
  REGRESSION = 'regression',
}

/** A model is registered only when `metric operator threshold` holds on the test split. */
export interface QualityGate {
  /** A metric of `evaluation.json` (SageMaker model-quality shape), e.g. `auc`. */
  readonly metric: string;
  readonly operator: '>=' | '>' | '<=' | '<';
  readonly threshold: number;
  /**
   * Also registers the model only when it beats the newest approved package of its group (the
   * champion), or when there is none (`CompareWithChampion`, after this gate).
   * @default - no comparison with the champion
   */
  readonly vsChampion?: ChampionComparison;
}

/** JSONPath of the gate's metric in the evaluation read into `$.evaluation.metrics`. */
export function metricPath(problemType: ProblemType, gate: QualityGate): string {
  return `$.evaluation.metrics.${problemType}_metrics.${gate.metric}.value`;
}

/** The Choice condition that passes the gate. */
export function passesGate(path: string, gate: QualityGate): sfn.Condition {
  switch (gate.operator) {
    case '>=':
      return sfn.Condition.numberGreaterThanEquals(path, gate.threshold);
    case '>':
      return sfn.Condition.numberGreaterThan(path, gate.threshold);
    case '<=':
      return sfn.Condition.numberLessThanEquals(path, gate.threshold);
    case '<':
      return sfn.Condition.numberLessThan(path, gate.threshold);
  }
}

/** Problems with a gate, for the construct's validation. */
export function gateProblems(gate: QualityGate): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9_]*$/.test(gate.metric))
    problems.push(`qualityGate.metric '${gate.metric}' must be a metric name such as auc`);
  if (!['>=', '>', '<=', '<'].includes(gate.operator))
    problems.push(`qualityGate.operator must be one of >=, >, <=, <`);
  if (!Number.isFinite(gate.threshold)) problems.push('qualityGate.threshold must be a finite number');
  return problems;
}
