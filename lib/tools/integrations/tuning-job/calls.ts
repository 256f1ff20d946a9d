import type { JsonObject } from '../../../../cfn/json-values';
import type { RunTimeCall, DerivedCalls } from '../../calls/run-time-call';
import { volumeKeyGrant } from '../../calls/sagemaker-runtime-calls';
import { managedRuleCalls } from '../managed-rule-calls';
import { jobArn, jobCalls, trainingJob } from '../sagemaker-job/job-calls';
import { cannotDerive, type TaskCallContext } from '../task-integration';
import { trainingJobDefinitions, trialRequest, unreadableDefinitions } from './trial-definitions';
import { trialName } from './tuning-description';

/** The managed rule a `.sync` tuning task learns the job's end from (AWS's tuning sample project, the Data Science SDK). */
export const TUNING_JOB_RULE = 'StepFunctionsGetEventsForSageMakerTuningJobsRule';

/**
 * The calls of a `sagemaker:createHyperParameterTuningJob` task. Through the state machine's role:
 * the create and, waiting, the describe and stop of the tuning job, its tags, the job role passed
 * to SageMaker, the volume key's grant and the managed rule. Through each definition's role, what
 * one of its trials requests: a training job named `<tuning job name>-NNN-<8 hex>`, with the
 * definition's channels, output, volume key, logs, image and VPC, as Train's are derived.
 */
export function tuningJobCalls(
  { inventory, stage, caller, path, detail, sync }: TaskCallContext,
  parameters: JsonObject,
): DerivedCalls {
  const name = parameters.HyperParameterTuningJobName;
  const unreadable = unreadableDefinitions(parameters);
  if (typeof name !== 'string') return cannotDerive(['HyperParameterTuningJobName']);
  if (unreadable) return { calls: [], problems: [`${unreadable} to derive calls from`] };
  const definitions = trainingJobDefinitions(parameters);
  const noRole = definitions.filter((d) => typeof d.RoleArn !== 'string');
  if (noRole.length > 0) return cannotDerive(['TrainingJobDefinition.RoleArn']);
  const tuningJobArn = jobArn(stage, 'hyper-parameter-tuning-job', name);
  // Each definition's trial, numbered as SageMaker numbers a tuning job's training jobs.
  const trials = definitions.map((definition, i) =>
    trainingJob(trialRequest(definition, trialName(name, i + 1)), stage, inventory),
  );
  const roles = [...new Set(trials.map((trial) => trial.roleArn))];
  const volumeKeys = [
    ...new Set(trials.flatMap((trial) => (trial.volumeKeyArn ? [trial.volumeKeyArn] : []))),
  ];
  const calls: RunTimeCall[] = [
    ...(sync ? ['Create', 'Describe', 'Stop'] : ['Create']).map((verb) => ({
      ...caller,
      action: `sagemaker:${verb}HyperParameterTuningJob`,
      resource: tuningJobArn,
    })),
    ...(parameters.Tags ? [{ ...caller, action: 'sagemaker:AddTags', resource: tuningJobArn }] : []),
    ...roles.map((role) => ({
      ...caller,
      action: 'iam:PassRole',
      resource: role,
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    })),
    ...volumeKeys.map((key) => volumeKeyGrant(caller, stage, key)),
    ...(sync ? managedRuleCalls(caller, stage, TUNING_JOB_RULE) : []),
    ...trials.flatMap((trial) => jobCalls(inventory, stage, trial, path, detail)),
  ];
  return { calls, problems: [] };
}
