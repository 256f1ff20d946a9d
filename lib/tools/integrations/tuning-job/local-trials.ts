import type { JsonObject } from '../../../../cfn/json-values';
import type { LocalTask } from '../task-integration';
import { runTrainingJob } from '../sagemaker-job/training-job';
import { runTuningTrials } from './tuning-trials';

/**
 * A `createHyperParameterTuningJob.sync` task answered in the local environment: its trials run one
 * after another on this machine with the model's own code, by the runner Train's jobs run with
 * (tuning-trials.ts says how they are named, sampled, recorded and judged).
 */
export async function runTuningJobLocally(task: LocalTask, parameters: JsonObject): Promise<JsonObject> {
  return runTuningTrials(task, parameters, runTrainingJob);
}
