import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ModelLayout } from '../../common/model-layout';
import { grantVolumeEncryption } from '../../common/private/sagemaker-runtime-grants';
import { type PipelineStep, type StepJobKind, stepJobArnPattern } from '../pipeline-steps';

/**
 * The SageMaker names of each kind of job: its API's noun and the managed rule Step Functions
 * keeps for its `.sync` tasks (Step Functions, "IAM policies for Amazon SageMaker").
 */
const JOB_APIS: { readonly [kind in StepJobKind]: { noun: string; rule: string } } = {
  processing: { noun: 'ProcessingJob', rule: 'StepFunctionsGetEventsForSageMakerProcessingJobsRule' },
  training: { noun: 'TrainingJob', rule: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' },
  tuning: { noun: 'HyperParameterTuningJob', rule: 'StepFunctionsGetEventsForSageMakerTuningJobsRule' },
};

export interface PipelineJobPermissions {
  readonly layout: ModelLayout;
  /** The pipeline's steps (`pipelineSteps`). */
  readonly steps: readonly PipelineStep[];
  /** The role every job runs as (passed to SageMaker). */
  readonly jobRole: iam.IRole;
  /** The key that encrypts job volumes and outputs. */
  readonly keyArn: string;
}

/**
 * What the state machine's role needs to run the pipeline's `.sync` SageMaker tasks: create,
 * describe and stop the jobs of each step (their names derived from its steps), pass the
 * job role, and manage the EventBridge rules Step Functions uses to learn that a job ended.
 */
export function grantPipelineJobs(role: iam.IRole, props: PipelineJobPermissions): void {
  const stack = Stack.of(role);
  const { layout } = props;
  const kinds = [...new Set(props.steps.map((step) => step.job))];
  for (const kind of kinds) {
    const api = JOB_APIS[kind];
    const steps = props.steps.filter((step) => step.job === kind);
    if (steps.length === 0) continue;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Run${api.noun}s`,
        actions: [
          `sagemaker:Create${api.noun}`,
          `sagemaker:Describe${api.noun}`,
          `sagemaker:Stop${api.noun}`,
        ],
        // Job names end with the run id, a hash known only at run time.
        resources: steps.map((step) => stepJobArnPattern(stack, layout, step)),
      }),
    );
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PassJobRole',
      actions: ['iam:PassRole'],
      resources: [props.jobRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'TrackJobsWithEventBridge',
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: kinds.map((kind) =>
        stack.formatArn({ service: 'events', resource: 'rule', resourceName: JOB_APIS[kind].rule }),
      ),
    }),
  );
  grantVolumeEncryption(role, props.keyArn);
}
