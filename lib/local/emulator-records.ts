import { emulatorEndpoint } from './emulator-env';
import type { RecordedExecution } from './execution-history';
import type { ProcessingJobDescription, TrainingJobDescription } from './jobs/job-requests';

/** What the launcher records in moto's backends (lib/local/emulator/local_records.py). */
export type EmulatorRecord =
  | { readonly kind: 'execution'; readonly record: RecordedExecution }
  | { readonly kind: 'training-job'; readonly record: TrainingJobDescription }
  | { readonly kind: 'processing-job'; readonly record: ProcessingJobDescription };

/**
 * Records what ran on this machine where AWS's APIs read it in the emulator: a finished execution
 * in its Step Functions (ListExecutions, DescribeExecution, GetExecutionHistory), a finished job's
 * description over the one its SageMaker made at CreateTrainingJob/CreateProcessingJob (status,
 * metrics, artifacts, failure reason). A launcher that cannot record it is an error naming why.
 */
export async function recordInEmulator(port: number, { kind, record }: EmulatorRecord): Promise<void> {
  const response = await fetch(`${emulatorEndpoint(port)}/_mlenv/records/${kind}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(record),
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
