import { CHILD_EXECUTION } from './child-execution';
import { CODEBUILD_BUILD } from './codebuild-build';
import { GLUE_JOB_RUN } from './glue-job-run';
import { MODEL_REGISTRY } from './model-registry';
import { S3_OBJECT_READ } from './s3-object-read';
import { SAGEMAKER_JOB } from './sagemaker-job';
import { SNS_PUBLISH } from './sns-publish';
import { TRANSFORM_JOB } from './transform-job';
import { TUNING_JOB } from './tuning-job';
import { parseTaskResource, type TaskIntegration, type TaskResource } from './task-integration';

/** Every kind of Step Functions integration the platform's state machines use, one folder each. */
export const TASK_INTEGRATIONS: readonly TaskIntegration[] = [
  SAGEMAKER_JOB,
  TUNING_JOB,
  TRANSFORM_JOB,
  GLUE_JOB_RUN,
  CODEBUILD_BUILD,
  CHILD_EXECUTION,
  S3_OBJECT_READ,
  MODEL_REGISTRY,
  SNS_PUBLISH,
];

/**
 * The one dispatch: the kind of a Task state's integration, by its `Resource`
 * (`arn:aws:states:::glue:startJobRun.sync`), with how the state waits; or why there is none.
 * The authorization model, the cost estimate and the local environment all find a task's kind here.
 */
export function taskIntegration(
  resource: string,
): (TaskResource & { readonly integration: TaskIntegration }) | { readonly problem: string } {
  const parsed = parseTaskResource(resource);
  if (!parsed) return { problem: `no model of Task resource ${resource}` };
  const integration = integrationNamed(parsed.api);
  if (!integration) {
    return {
      problem: `no model of the ${parsed.api} integration: add a kind to lib/tools/integrations (kinds.ts)`,
    };
  }
  return { ...parsed, integration };
}

/** The kind that answers the integration `api` (`glue:startJobRun`), as a Task's `Resource` names it. */
export function integrationNamed(api: string): TaskIntegration | undefined {
  return TASK_INTEGRATIONS.find((kind) => kind.apis.includes(api));
}
