import type { ProcessingJobDescription, TrainingJobDescription } from '../../../jobs/job-requests';

/** An error of a Step Functions task, with the name Step Functions gives it. */
export class TaskFailedError extends Error {
  public constructor(cause: string) {
    super(cause);
    this.name = 'States.TaskFailed';
  }
}

/**
 * What a `createProcessingJob.sync` / `createTrainingJob.sync` task returns for a finished job, as
 * Step Functions does: the job's description (times as ISO strings) when it completed; otherwise
 * the task fails with `States.TaskFailed` and the description as its cause.
 */
export function syncTaskOutput(
  description: ProcessingJobDescription | TrainingJobDescription,
): Record<string, unknown> {
  const output = JSON.parse(JSON.stringify(description)) as Record<string, unknown>;
  const status =
    'TrainingJobStatus' in description ? description.TrainingJobStatus : description.ProcessingJobStatus;
  if (status !== 'Completed') throw new TaskFailedError(JSON.stringify(output));
  return output;
}
