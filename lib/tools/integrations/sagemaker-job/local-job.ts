import type { JsonObject } from '../../../../cfn/json-values';
import { sagemakerJobLog } from '../../../ops/job-log-locations';
import { JobLines } from '../../../jobs/job-log-streams';
import type { ProcessingJobDescription, TrainingJobDescription } from '../../../jobs/job-requests';
import type { LocalJobRun } from '../../../jobs/job-options';
import type { LocalTask } from '../task-integration';
import { syncTaskOutput } from './sync-task';

export type JobDescription = ProcessingJobDescription | TrainingJobDescription;
export type LocalJobKind = 'training' | 'processing';

/** How a local job runs: given its log's lines and what to do if an interrupt stops it. */
export type LocalJobRunner<Description extends JobDescription> = (
  lines: JobLines,
  onStopped: (description: Description) => Promise<void>,
) => Promise<LocalJobRun<Description>>;

/**
 * A SageMaker job run here, as SageMaker keeps what it ran: its log goes to SageMaker's stream of
 * it, its description to the emulator's SageMaker (status, metrics, artifacts, failure reason). One
 * stopped by an interrupt never returns: its runner hands its `Stopped` description over before the
 * command exits, and it is recorded with the log so far, then `stopped` is told (a tuning job records
 * itself stopped with its trial); an error is told by the interrupt. Whether the job failed is the
 * caller's to judge (a `.sync` task fails; a tuning job goes on to its next trial).
 */
export async function runLocalJob<Description extends JobDescription>(
  task: LocalTask,
  kind: LocalJobKind,
  run: LocalJobRunner<Description>,
  stopped?: (description: Description) => Promise<void>,
): Promise<LocalJobRun<Description>> {
  const lines = new JobLines();
  const logOf = (description: Description) =>
    sagemakerJobLog(kind, jobName(kind, description), description.CreationTime);
  const onStopped = async (description: Description) => {
    await task.recordJob(kind, description);
    await task.writeLog([logOf(description)], lines);
    await stopped?.(description);
  };
  const job = await run(lines, onStopped);
  const { description } = job;
  await task.keepLog([logOf(description)], lines);
  await task.keep(`the ${kind} job ${jobName(kind, description)}`, () => task.recordJob(kind, description));
  return job;
}

/**
 * A `.sync` task's SageMaker job run here (`runLocalJob`), reported in the run's record under its
 * state; the task answers its description as Step Functions does, or fails with it (`syncTaskOutput`).
 */
export async function localJob<Description extends JobDescription>(
  task: LocalTask,
  kind: LocalJobKind,
  run: LocalJobRunner<Description>,
): Promise<JsonObject> {
  const job = await runLocalJob(task, kind, run);
  task.record.jobs[task.state] = job;
  return syncTaskOutput(job.description) as JsonObject;
}

function jobName(kind: LocalJobKind, description: JobDescription): string {
  return kind === 'training'
    ? (description as TrainingJobDescription).TrainingJobName
    : (description as ProcessingJobDescription).ProcessingJobName;
}
