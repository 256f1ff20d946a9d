import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ModelLayout } from '../../common/model-layout';
import { grantVolumeEncryption } from '../../common/private/sagemaker-runtime-grants';
import { PIPELINE_STEPS, type StepJobKind, stepJobArnPattern } from '../pipeline-steps';

/** The SageMaker names of each kind of job: its ARN's resource type and its API's noun. */
const JOB_APIS: { readonly [kind in StepJobKind]: { arnType: string; noun: string; rule: string } } = {
  processing: {
    arnType: 'processing-job',
    noun: 'ProcessingJob',
    rule: 'StepFunctionsGetEventsForSageMakerProcessingJobsRule',
  },
  training: {
    arnType: 'training-job',
    noun: 'TrainingJob',
    rule: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule',
  },
};

export interface PipelineJobPermissions {
  readonly layout: ModelLayout;
  /** The role every job runs as (passed to SageMaker). */
  readonly jobRole: iam.IRole;
  /** The key that encrypts job volumes and outputs. */
  readonly keyArn: string;
}

/**
 * What the state machine's role needs to run the pipeline's `.sync` SageMaker tasks: create,
 * describe and stop the jobs of each step (their names derived from `PIPELINE_STEPS`), pass the
 * job role, and manage the EventBridge rules Step Functions uses to learn that a job ended.
 */
export function grantPipelineJobs(role: iam.IRole, props: PipelineJobPermissions): void {
  const stack = Stack.of(role);
  const { layout } = props;
  for (const kind of ['processing', 'training'] as const) {
    const api = JOB_APIS[kind];
    const steps = PIPELINE_STEPS.filter((step) => step.job === kind);
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
      resources: (['training', 'processing'] as const).map((kind) =>
        stack.formatArn({ service: 'events', resource: 'rule', resourceName: JOB_APIS[kind].rule }),
      ),
    }),
  );
  grantVolumeEncryption(role, props.keyArn);
}
