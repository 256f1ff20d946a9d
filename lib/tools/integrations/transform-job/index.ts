import type { TaskIntegration } from '../task-integration';
import { CREATE_TRANSFORM_JOB, STOP_TRANSFORM_JOB, transformJobCalls } from './calls';
import { transformJobCostLines } from './cost';
import { runTransformJobLocally } from './local-transform';
import { transformJobSample } from './sample';

/**
 * SageMaker batch transform jobs (`sagemaker:createTransformJob.sync`, and the
 * `aws-sdk:sagemaker:stopTransformJob` that stops one past its time limit). Calls: the job's
 * create, describe and stop, the key grants and the managed rule, and what the job requests as
 * its model's role (calls.ts). Cost: its instances to the task's timeout at the batch transform
 * price (cost.ts). Sample: the completed job's description (sample.ts). Locally: each input file
 * scored with the model's own inference.py into `<file>.out` (local-transform.ts).
 */
export const TRANSFORM_JOB: TaskIntegration = {
  apis: [CREATE_TRANSFORM_JOB, STOP_TRANSFORM_JOB],
  deniedError: 'SageMaker.AmazonSageMakerException',
  calls: transformJobCalls,
  cost: { part: 'batch-run', lines: transformJobCostLines },
  sample: transformJobSample,
  run: (task, parameters) => runTransformJobLocally(task, parameters),
};
