import { asList, asObject, type JsonObject } from '../../../../cfn/json-values';
import { jobArn } from '../sagemaker-job/job-calls';
import type { SampleTask } from '../task-integration';
import { trainingJobDefinitions } from './trial-definitions';
import { trialName } from './tuning-description';

/** The time a sample tuning job and its best trial ran, as SageMaker gives times. */
const SAMPLE_TIMES = {
  created: '2026-11-30T00:00:00.000Z',
  started: '2026-11-30T00:01:00.000Z',
  ended: '2026-11-30T00:31:00.000Z',
};

/**
 * What a `.sync` tuning task answers: DescribeHyperParameterTuningJob of the completed job
 * (botocore's `DescribeHyperParameterTuningJobResponse`), echoing the request's config and
 * definition(s), with its best training job (a `HyperParameterTrainingJobSummary`) named as
 * SageMaker names trials. Its `TunedHyperParameters` hold every ranged hyperparameter (a range's
 * `MinValue`, or a categorical range's first value, as strings); its objective is 0.5.
 */
export function tuningJobSample({ where }: SampleTask, parameters: JsonObject): JsonObject {
  const name = String(parameters.HyperParameterTuningJobName);
  const config = asObject(parameters.HyperParameterTuningJobConfig) ?? {};
  const objective = asObject(config.HyperParameterTuningJobObjective) ?? {};
  const bestName = trialName(name, 1);
  const definitions = trainingJobDefinitions(parameters);
  const counts = Number(asObject(config.ResourceLimits)?.MaxNumberOfTrainingJobs ?? 1);
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobArn: jobArn(where, 'hyper-parameter-tuning-job', name),
    HyperParameterTuningJobConfig: config,
    ...(parameters.TrainingJobDefinition !== undefined
      ? { TrainingJobDefinition: parameters.TrainingJobDefinition }
      : {}),
    ...(parameters.TrainingJobDefinitions !== undefined
      ? { TrainingJobDefinitions: parameters.TrainingJobDefinitions }
      : {}),
    HyperParameterTuningJobStatus: 'Completed',
    CreationTime: SAMPLE_TIMES.created,
    HyperParameterTuningEndTime: SAMPLE_TIMES.ended,
    LastModifiedTime: SAMPLE_TIMES.ended,
    TrainingJobStatusCounters: {
      Completed: counts,
      InProgress: 0,
      RetryableError: 0,
      NonRetryableError: 0,
      Stopped: 0,
    },
    ObjectiveStatusCounters: { Succeeded: counts, Pending: 0, Failed: 0 },
    BestTrainingJob: {
      ...(definitions[0]?.DefinitionName !== undefined
        ? { TrainingJobDefinitionName: definitions[0].DefinitionName }
        : {}),
      TrainingJobName: bestName,
      TrainingJobArn: jobArn(where, 'training-job', bestName),
      TuningJobName: name,
      CreationTime: SAMPLE_TIMES.created,
      TrainingStartTime: SAMPLE_TIMES.started,
      TrainingEndTime: SAMPLE_TIMES.ended,
      TrainingJobStatus: 'Completed',
      TunedHyperParameters: tunedValues(asObject(config.ParameterRanges) ?? {}),
      FinalHyperParameterTuningJobObjectiveMetric: {
        ...(objective.Type !== undefined ? { Type: objective.Type } : {}),
        MetricName: String(objective.MetricName ?? ''),
        Value: 0.5,
      },
      ObjectiveStatus: 'Succeeded',
    },
  };
}

/** A value inside each range, as a string (`TunedHyperParameters` is a map of strings). */
function tunedValues(ranges: JsonObject): Record<string, string> {
  const of = (kind: string, value: (range: JsonObject) => unknown) =>
    asList(ranges[kind]).flatMap((item) => {
      const range = asObject(item);
      return range && typeof range.Name === 'string' ? [[range.Name, String(value(range))] as const] : [];
    });
  return Object.fromEntries([
    ...of('IntegerParameterRanges', (range) => range.MinValue),
    ...of('ContinuousParameterRanges', (range) => range.MinValue),
    ...of('CategoricalParameterRanges', (range) => asList(range.Values)[0]),
  ]);
}
