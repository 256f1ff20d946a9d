import { createHash } from 'node:crypto';
import type { TrainingJobDescription } from '../../../jobs/job-requests';

/** `HyperParameterTuningJobObjective`: which metric of its trials a tuning job optimizes, and which way. */
export interface TuningObjective {
  readonly Type: 'Maximize' | 'Minimize';
  readonly MetricName: string;
}

/** A trial as ListTrainingJobsForHyperParameterTuningJob lists it (`HyperParameterTrainingJobSummary`). */
export interface TrialSummary {
  readonly TrainingJobName: string;
  readonly TrainingJobArn: string;
  readonly TuningJobName: string;
  readonly CreationTime: Date;
  readonly TrainingStartTime: Date;
  readonly TrainingEndTime: Date;
  readonly TrainingJobStatus: TrainingJobDescription['TrainingJobStatus'];
  /** The ranged hyperparameters only, as strings. */
  readonly TunedHyperParameters: Readonly<Record<string, string>>;
  readonly FailureReason?: string;
  readonly FinalHyperParameterTuningJobObjectiveMetric?: {
    readonly Type: TuningObjective['Type'];
    readonly MetricName: string;
    readonly Value: number;
  };
  /** Whether the tuning job evaluated the trial's objective (it completed and printed the metric). */
  readonly ObjectiveStatus: 'Succeeded' | 'Failed';
}

export type TuningJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopped';

/** What DescribeHyperParameterTuningJob answers about a tuning job run here, once it ended. */
export interface TuningJobDescription {
  readonly HyperParameterTuningJobName: string;
  readonly HyperParameterTuningJobArn: string;
  readonly HyperParameterTuningJobConfig: unknown;
  /** The request's, echoed (the Tune state's ResultSelector reads its `OutputDataConfig.S3OutputPath`). */
  readonly TrainingJobDefinition: unknown;
  readonly HyperParameterTuningJobStatus: TuningJobStatus;
  readonly CreationTime: Date;
  /** Once it ended. */
  readonly HyperParameterTuningEndTime?: Date;
  readonly LastModifiedTime: Date;
  readonly TrainingJobStatusCounters: {
    readonly Completed: number;
    readonly InProgress: number;
    readonly RetryableError: number;
    readonly NonRetryableError: number;
    readonly Stopped: number;
  };
  readonly ObjectiveStatusCounters: {
    readonly Succeeded: number;
    readonly Pending: number;
    readonly Failed: number;
  };
  readonly BestTrainingJob?: TrialSummary;
  readonly FailureReason?: string;
}

/** A tuning job run here, for the run's summary: its description and its trials, in the order they ran. */
export interface LocalTuningRun {
  readonly description: TuningJobDescription;
  readonly trials: readonly TrialSummary[];
  /** What the local run does not do as SageMaker would (its strategy, early stopping, parallel trials). */
  readonly notes: readonly string[];
}

/**
 * The name of a tuning job's `index`th trial (from 1): `<tuning job name>-NNN-<8 hex>`, as
 * SageMaker names them (`xgboost-190407-1532-005-0e830ada`); the hex is derived from the name and
 * index, so a run names its trials the same way each time. A tuning job's name is at most 32
 * characters, so a trial's is at most 45 (a training job's limit is 63).
 */
export function trialName(tuningJobName: string, index: number): string {
  const hex = createHash('sha256').update(`${tuningJobName}/${index}`).digest('hex').slice(0, 8);
  return `${tuningJobName}-${String(index).padStart(3, '0')}-${hex}`;
}

/** A trial that ran, as its tuning job lists it: its objective read from its `FinalMetricDataList`. */
export function trialSummary(
  trial: TrainingJobDescription,
  tuningJobName: string,
  tuned: Readonly<Record<string, string>>,
  objective: TuningObjective,
): TrialSummary {
  const metric = trial.FinalMetricDataList.find((m) => m.MetricName === objective.MetricName);
  const evaluated = trial.TrainingJobStatus === 'Completed' && metric !== undefined;
  return {
    TrainingJobName: trial.TrainingJobName,
    TrainingJobArn: trial.TrainingJobArn,
    TuningJobName: tuningJobName,
    CreationTime: trial.CreationTime,
    TrainingStartTime: trial.TrainingStartTime,
    TrainingEndTime: trial.TrainingEndTime,
    TrainingJobStatus: trial.TrainingJobStatus,
    TunedHyperParameters: tuned,
    ...(trial.FailureReason ? { FailureReason: trial.FailureReason } : {}),
    ...(evaluated
      ? {
          FinalHyperParameterTuningJobObjectiveMetric: {
            Type: objective.Type,
            MetricName: objective.MetricName,
            Value: metric.Value,
          },
        }
      : {}),
    ObjectiveStatus: evaluated ? 'Succeeded' : 'Failed',
  };
}

/** The trial with the best objective in its direction (the first of equals); none if no objective was evaluated. */
export function bestTrial(
  trials: readonly TrialSummary[],
  objective: TuningObjective,
): TrialSummary | undefined {
  const better = (a: number, b: number) => (objective.Type === 'Maximize' ? a > b : a < b);
  let best: TrialSummary | undefined;
  for (const trial of trials) {
    const value = trial.FinalHyperParameterTuningJobObjectiveMetric?.Value;
    if (value === undefined) continue;
    if (!best || better(value, best.FinalHyperParameterTuningJobObjectiveMetric!.Value)) best = trial;
  }
  return best;
}

/**
 * The description of a tuning job from its trials so far: `InProgress` while a trial runs (counted
 * InProgress, its objective Pending); once they have run, `Completed` with a best trial, `Failed`
 * without one (with the reason SageMaker gives); `Stopped` when an interrupt stopped it. Its trials
 * are counted by status and by objective, and the best so far is its best trial.
 */
export function tuningJobDescription(job: {
  readonly name: string;
  readonly arn: string;
  readonly parameters: {
    readonly HyperParameterTuningJobConfig: unknown;
    readonly TrainingJobDefinition: unknown;
  };
  readonly objective: TuningObjective;
  readonly created: Date;
  readonly trials: readonly TrialSummary[];
  /** @default 'ended' */
  readonly phase?: 'running' | 'stopped' | 'ended';
}): TuningJobDescription {
  const { trials } = job;
  const ended = new Date();
  const count = (status: TrialSummary['TrainingJobStatus']) =>
    trials.filter((t) => t.TrainingJobStatus === status).length;
  const best = bestTrial(trials, job.objective);
  const phase = job.phase ?? 'ended';
  const status: TuningJobStatus =
    phase === 'running' ? 'InProgress' : phase === 'stopped' ? 'Stopped' : best ? 'Completed' : 'Failed';
  const running = phase === 'running' ? 1 : 0;
  const succeeded = trials.filter((t) => t.ObjectiveStatus === 'Succeeded').length;
  return {
    HyperParameterTuningJobName: job.name,
    HyperParameterTuningJobArn: job.arn,
    HyperParameterTuningJobConfig: job.parameters.HyperParameterTuningJobConfig,
    TrainingJobDefinition: job.parameters.TrainingJobDefinition,
    HyperParameterTuningJobStatus: status,
    CreationTime: job.created,
    ...(phase === 'running' ? {} : { HyperParameterTuningEndTime: ended }),
    LastModifiedTime: ended,
    TrainingJobStatusCounters: {
      Completed: count('Completed'),
      InProgress: running,
      RetryableError: 0,
      // A trial that failed here failed on its own script or data: a client error, not retried.
      NonRetryableError: count('Failed'),
      Stopped: count('Stopped'),
    },
    ObjectiveStatusCounters: { Succeeded: succeeded, Pending: running, Failed: trials.length - succeeded },
    ...(best ? { BestTrainingJob: best } : {}),
    // SageMaker's words for a tuning job none of whose trials succeeded
    // (aws/amazon-sagemaker-examples issue 2437: "No training job succeeded after 5 attempts...").
    ...(status === 'Failed'
      ? {
          FailureReason:
            `No training job succeeded after ${trials.length} attempts. ` +
            'Please take a look at the training job failures to get more details.',
        }
      : {}),
  };
}
