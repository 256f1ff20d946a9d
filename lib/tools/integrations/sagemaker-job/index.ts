import {
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
} from '@aws-sdk/client-sagemaker';
import { asObject } from '../../../../cfn/json-values';
import type { RunTimeCall } from '../../calls/run-time-call';
import { volumeKeyGrant } from '../../calls/sagemaker-runtime-calls';
import type { CreateProcessingJobRequest, CreateTrainingJobRequest } from '../../../jobs/job-requests';
import { managedRuleCalls } from '../managed-rule-calls';
import { cannotDerive, missingStrings, type TaskIntegration } from '../task-integration';
import { sagemakerJobCost } from './cost';
import { jobArn, jobCalls, processingJob, trainingJob } from './job-calls';
import { type JobApi, JOB_KINDS } from './job-kinds';
import { runProcessingJob } from './processing-job';
import { localJob } from './local-job';
import { runTrainingJob } from './training-job';

/**
 * SageMaker training and processing jobs (`sagemaker:createTrainingJob.sync`,
 * `sagemaker:createProcessingJob.sync`). Calls: the create, describe and stop of the job, its
 * tags, the role passed to SageMaker, the volume key, the managed rule, and the job's own requests
 * through its role (job-calls.ts). Cost: the training run's instance-hours. Locally: the job is
 * recorded in the emulator's SageMaker and run on this machine under its container contract.
 */
export const SAGEMAKER_JOB: TaskIntegration = {
  apis: Object.keys(JOB_KINDS),
  deniedError: 'SageMaker.AmazonSageMakerException',
  calls({ inventory, stage, caller, path, detail, api, sync }, parameters) {
    const { kind, nameField, noun } = JOB_KINDS[api as JobApi];
    const absent = missingStrings(parameters, nameField, 'RoleArn');
    if (absent.length > 0) return cannotDerive(absent);
    const job =
      kind === 'training'
        ? trainingJob(parameters, stage, inventory)
        : processingJob(parameters, stage, inventory);
    const calls: RunTimeCall[] = [
      ...(sync ? ['Create', 'Describe', 'Stop'] : ['Create']).map((verb) => ({
        ...caller,
        action: `sagemaker:${verb}${noun}Job`,
        resource: jobArn(stage, `${kind}-job`, job.name),
      })),
      ...(parameters.Tags ? [{ ...caller, action: 'sagemaker:AddTags', resource: job.arn }] : []),
      {
        ...caller,
        action: 'iam:PassRole',
        resource: job.roleArn,
        context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
      },
      ...(job.volumeKeyArn ? [volumeKeyGrant(caller, stage, job.volumeKeyArn)] : []),
      ...(sync ? managedRuleCalls(caller, stage, `StepFunctionsGetEventsForSageMaker${noun}JobsRule`) : []),
      ...jobCalls(inventory, stage, job, path, detail),
    ];
    return { calls, problems: [] };
  },
  cost: { part: 'training-run', job: sagemakerJobCost },
  // A `.sync` job completed; a training job's model at `<S3OutputPath><job name>/output/model.tar.gz`
  // (SageMaker's documented layout).
  sample({ api, where }, parameters) {
    const { kind, nameField, noun } = JOB_KINDS[api as JobApi];
    const name = String(parameters[nameField]);
    const job = {
      [nameField]: name,
      [`${noun}JobArn`]: jobArn(where, `${kind}-job`, name),
      [`${noun}JobStatus`]: 'Completed',
    };
    if (kind === 'processing') return job;
    const outputPath = String(asObject(parameters.OutputDataConfig)?.S3OutputPath ?? '');
    return {
      ...job,
      ModelArtifacts: { S3ModelArtifacts: `${outputPath.replace(/\/?$/, '/')}${name}/output/model.tar.gz` },
    };
  },
  async run(task, parameters) {
    const { kind } = JOB_KINDS[task.api as JobApi];
    if (kind === 'training') {
      const created = await task.clients.sagemaker.send(
        new CreateTrainingJobCommand(parameters as unknown as CreateTrainingJobCommandInput),
      );
      task.submitted(created.TrainingJobArn ? { TrainingJobArn: created.TrainingJobArn } : {});
      return localJob(task, 'training', (lines, onStopped) =>
        runTrainingJob(
          parameters as unknown as CreateTrainingJobRequest,
          task.jobOptions(lines, task.python),
          onStopped,
        ),
      );
    }
    const created = await task.clients.sagemaker.send(
      new CreateProcessingJobCommand(parameters as unknown as CreateProcessingJobCommandInput),
    );
    task.submitted(created.ProcessingJobArn ? { ProcessingJobArn: created.ProcessingJobArn } : {});
    return localJob(task, 'processing', (lines, onStopped) => {
      const request = parameters as unknown as CreateProcessingJobRequest;
      // The model's own code runs with its Python; stand-ins of other images keep the project's.
      const modelCode = request.AppSpecification.ContainerEntrypoint !== undefined;
      return runProcessingJob(
        request,
        task.jobOptions(lines, modelCode ? task.python : undefined),
        onStopped,
      );
    });
  },
};
