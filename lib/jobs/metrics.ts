/** A metric definition of a training job, as in `AlgorithmSpecification.MetricDefinitions`. */
export interface MetricDefinition {
  readonly Name: string;
  readonly Regex: string;
}

/** A metric value as `DescribeTrainingJob` reports it in `FinalMetricDataList`. */
export interface MetricData {
  readonly MetricName: string;
  readonly Value: number;
  readonly Timestamp: Date;
}

/**
 * The metrics of a job's log, as SageMaker finds them: each definition's regex is matched against
 * every log line, its first capture group is the value, and the last value of each metric is the
 * final one. Metrics that never match are left out; definitions are reported in their order.
 */
export function extractMetrics(
  log: string,
  definitions: readonly MetricDefinition[],
  timestamp: Date,
): MetricData[] {
  const lines = log.split('\n');
  const found: MetricData[] = [];
  for (const definition of definitions) {
    const regex = new RegExp(definition.Regex);
    let value: number | undefined;
    for (const line of lines) {
      const match = regex.exec(line);
      const parsed = match?.[1] === undefined ? NaN : Number(match[1]);
      if (Number.isFinite(parsed)) value = parsed;
    }
    if (value !== undefined) found.push({ MetricName: definition.Name, Value: value, Timestamp: timestamp });
  }
  return found;
}
