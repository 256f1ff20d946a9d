import { formatTuningRun } from '../../lib/cli/train-output';
import type {
  LocalTuningRun,
  TrialSummary,
} from '../../lib/tools/integrations/tuning-job/tuning-description';

/**
 * `mlenv local train` of a tuned model says in two lines what the Tune state ran: the tuning job,
 * how it ended and each trial (by its number, with its objective or how it ended), then the best
 * trial with the hyperparameters it was given.
 */
const NAME = 'model-tune-0123456789abcdef';
const at = new Date(0);

function trial(n: number, status: TrialSummary['TrainingJobStatus'], value?: number): TrialSummary {
  return {
    TrainingJobName: `${NAME}-00${n}-0123abcd`,
    TrainingJobArn: `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${NAME}-00${n}-0123abcd`,
    TuningJobName: NAME,
    CreationTime: at,
    TrainingStartTime: at,
    TrainingEndTime: at,
    TrainingJobStatus: status,
    TunedHyperParameters: { 'max-depth': String(n + 1), 'learning-rate': '0.0871234567' },
    ...(value !== undefined
      ? {
          FinalHyperParameterTuningJobObjectiveMetric: {
            Type: 'Maximize',
            MetricName: 'validation:auc',
            Value: value,
          },
        }
      : {}),
    ObjectiveStatus: value !== undefined ? 'Succeeded' : 'Failed',
  };
}

function run(trials: TrialSummary[], best?: TrialSummary): LocalTuningRun {
  return {
    description: {
      HyperParameterTuningJobName: NAME,
      HyperParameterTuningJobArn: `arn:aws:sagemaker:eu-west-1:123456789012:hyper-parameter-tuning-job/${NAME}`,
      HyperParameterTuningJobConfig: {
        HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      },
      TrainingJobDefinition: {},
      HyperParameterTuningJobStatus: best ? 'Completed' : 'Failed',
      CreationTime: at,
      HyperParameterTuningEndTime: at,
      LastModifiedTime: at,
      TrainingJobStatusCounters: {
        Completed: 0,
        InProgress: 0,
        RetryableError: 0,
        NonRetryableError: 0,
        Stopped: 0,
      },
      ObjectiveStatusCounters: { Succeeded: 0, Pending: 0, Failed: 0 },
      ...(best ? { BestTrainingJob: best } : {}),
    },
    trials,
    notes: [],
  };
}

test('the trials by number with their objective or status, then the best with its hyperparameters', () => {
  const best = trial(2, 'Completed', 0.91234);
  expect(formatTuningRun(run([trial(1, 'Failed'), best, trial(3, 'Completed', 0.8)], best))).toEqual([
    `  tuning    ${NAME} Completed: 3 trials by validation:auc (Maximize): 001 Failed, 002 0.912, 003 0.800`,
    `  best      ${NAME}-002-0123abcd: validation:auc 0.912 with max-depth=3, learning-rate=0.08712`,
  ]);
});

test('a tuning job no trial of which succeeded says so, and why its first failed trial failed', () => {
  // A script's failure as the training toolkit reports it (the job's FailureReason).
  const failed = {
    ...trial(1, 'Failed'),
    FailureReason:
      'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "ValueError: no rows"\nCommand "python3 train.py"\nfull log: /tmp/job/log.txt',
  };
  expect(formatTuningRun(run([failed, trial(2, 'Completed')]))).toEqual([
    `  tuning    ${NAME} Failed: 2 trials by validation:auc (Maximize): 001 Failed, 002 no validation:auc`,
    `  best      none: no trial succeeded; ${NAME}-001-0123abcd: ValueError: no rows (full log: /tmp/job/log.txt)`,
  ]);
});
