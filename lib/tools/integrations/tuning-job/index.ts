import type { TaskIntegration } from '../task-integration';
import { tuningJobCalls } from './calls';
import { tuningJobCost } from './cost';
import { runTuningJobLocally } from './local-trials';
import { tuningJobSample } from './sample';

/**
 * SageMaker hyperparameter tuning jobs (`sagemaker:createHyperParameterTuningJob.sync`). Calls: the
 * create, describe and stop of the tuning job, its tags, the job role passed to SageMaker, the
 * volume key, the managed rule, and what each trial (a training job) requests through its role
 * (calls.ts). Cost: its trials' instance-hours at worst (cost.ts). Sample: the completed job's
 * description, with its best trial (sample.ts). Locally: local-trials.ts.
 */
export const TUNING_JOB: TaskIntegration = {
  apis: ['sagemaker:createHyperParameterTuningJob'],
  deniedError: 'SageMaker.AmazonSageMakerException',
  calls: tuningJobCalls,
  cost: { part: 'training-run', job: tuningJobCost },
  sample: tuningJobSample,
  run: (task, parameters) => runTuningJobLocally(task, parameters),
};
