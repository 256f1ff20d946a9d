import { emulatorEndpoint } from './emulator-env';
import type { ExecutionEnd, ExecutionHistory, RecordedExecution } from './execution-history';
import { interrupted } from '../jobs/running-jobs';
import type { ProcessingJobDescription, TrainingJobDescription } from '../jobs/job-requests';
import type { TuningJobDescription } from '../tools/integrations/tuning-job/tuning-description';

/** What the launcher records in moto's backends (lib/local/emulator/local_records.py). */
export type EmulatorRecord =
  | { readonly kind: 'execution'; readonly record: RecordedExecution }
  | { readonly kind: 'training-job'; readonly record: TrainingJobDescription }
  | { readonly kind: 'processing-job'; readonly record: ProcessingJobDescription }
  | { readonly kind: 'hyper-parameter-tuning-job'; readonly record: TuningJobDescription };

/**
 * Records what runs on this machine where AWS's APIs read it in the emulator: an execution (running
 * or ended) in its Step Functions (ListExecutions, DescribeExecution, GetExecutionHistory), a finished job's
 * description over the one its SageMaker made at CreateTrainingJob/CreateProcessingJob (status,
 * metrics, artifacts, failure reason). A training job without ModelArtifacts (it failed or was
 * stopped) clears the one moto's made up at CreateTrainingJob: it names no object. A launcher that
 * cannot record it is an error naming why.
 */
export async function recordInEmulator(port: number, { kind, record }: EmulatorRecord): Promise<void> {
  // null: the launcher lays each member over moto's job, and moto leaves out what is null.
  const body =
    kind === 'training-job' && !record.ModelArtifacts ? { ...record, ModelArtifacts: null } : record;
  const response = await fetch(`${emulatorEndpoint(port)}/_mlenv/records/${kind}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) return;
  const text = await response.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON: an emulator whose launcher has no record routes (started before them)
  }
  throw new Error(
    `the emulator did not record the ${kind} (HTTP ${response.status}: ${message.slice(0, 200)})` +
      (response.status === 404 ? '; restart it with `mlenv local down` and `mlenv local up`' : ''),
  );
}

/** The error of an execution whose runner was interrupted (ExecutionAborted's details). */
export const INTERRUPTED_ERROR = 'mlenv.Interrupted';

/**
 * Runs an execution recorded in the emulator throughout, so that Step Functions lists and
 * describes it while it runs: RUNNING (its input, its start date, this process as its runner)
 * before `run` starts, again with its history so far as events are added, then as it ended. A run
 * that throws is recorded FAILED with the error as its cause (and the error is thrown on); one
 * that ends while an interrupt (Ctrl-C) is stopping the jobs, ABORTED. A job stopped by an
 * interrupt never settles (runProcess), so an interrupted runner records no end: it exits, and
 * the emulator ends the execution ABORTED once it sees the process gone (local_records.py), as it
 * does for a runner killed or crashed. A record the emulator does not take is told to
 * `notRecorded`, and the run goes on.
 */
export async function runRecorded<T extends ExecutionEnd>(
  port: number,
  history: ExecutionHistory,
  run: () => Promise<T>,
  notRecorded: (error: Error) => void,
): Promise<T> {
  const record = (execution: RecordedExecution) =>
    recordInEmulator(port, { kind: 'execution', record: execution }).catch(notRecorded);
  await record(history.running());
  // Each new event is recorded, one record at a time and only the newest, so the history, and the
  // jobs `mlenv logs` finds in it, grow as the execution runs and stay when it is interrupted.
  let recording = Promise.resolve();
  let waiting = false;
  history.onChange(() => {
    if (waiting) return;
    waiting = true;
    recording = recording.then(() => {
      waiting = false;
      return record(history.running());
    });
  });
  const ending = async (end: ExecutionEnd) => {
    history.onChange(undefined);
    await recording;
    await record(history.finish(end));
  };
  let ended: T;
  try {
    ended = await run();
  } catch (error) {
    const failure = error as Error;
    await ending({ status: 'FAILED', error: failure.name, cause: failure.message });
    throw error;
  }
  await ending(
    interrupted()
      ? {
          status: 'ABORTED',
          error: INTERRUPTED_ERROR,
          cause: `interrupted while it ran: its jobs were stopped${ended.cause ? ` (${ended.cause})` : ''}`,
        }
      : ended,
  );
  return ended;
}
