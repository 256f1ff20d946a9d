import type { JsonObject } from '../../../../cfn/json-values';
import { type LocalTask, namedError } from '../task-integration';

/**
 * Runs a tuning job's trials in the local environment. A stand-in until the local runner lands:
 * the task fails, saying tuning does not run locally yet.
 */
export async function runTuningJobLocally(task: LocalTask, parameters: JsonObject): Promise<JsonObject> {
  throw namedError(
    'States.TaskFailed',
    `state ${task.state}: the tuning job ${String(parameters.HyperParameterTuningJobName)} does not run in the local environment yet`,
  );
}
