import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { JsonObject } from '../../constructs/common/json-values';
import type { IntegrationBackend } from './authorized-execution';
import type {
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  ProcessingJobDescription,
  TrainingJobDescription,
} from './jobs/job-requests';
import type { LocalJobOptions, LocalJobRun } from './jobs/job-options';
import { runProcessingJob } from './jobs/processing-job';
import { S3ObjectStore } from './jobs/s3-object-store';
import { syncTaskOutput } from './jobs/sync-task';
import { runTrainingJob } from './jobs/training-job';
import type { LocalDeployment } from './local-deployment';

/** An error with the name Step Functions gives a service integration's failure. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** What the backend did that a run's summary reports. */
export interface BackendRecord {
  /** Each SageMaker job run locally, by state. */
  readonly jobs: Record<string, LocalJobRun<unknown>>;
  /** The messages published to SNS topics. */
  readonly published: Array<{
    readonly topicArn: string;
    readonly subject?: string;
    readonly message: string;
  }>;
  /** The model packages registered. */
  readonly registered: string[];
}

export interface EmulatorBackendOptions {
  /** Where the jobs' container roots go. */
  readonly workDir?: string;
  /** Each line a job's script writes, with its state. */
  readonly onLog?: (state: string, line: string) => void;
}

/**
 * The service integrations of the training pipeline, answered by the local environment: SageMaker
 * processing and training jobs run on this machine under their container contracts with their
 * data in the emulator's S3 (and are recorded in the emulator's SageMaker); the SDK integrations
 * (`s3:getObject` of a dataset's `latest.json` and of an evaluation, `sagemaker:createModelPackage`)
 * and SNS publishing go to the emulator.
 */
export function emulatorBackend(
  deployment: LocalDeployment,
  options: EmulatorBackendOptions = {},
): { readonly backend: IntegrationBackend; readonly record: BackendRecord } {
  const { s3, sagemaker, sns } = deployment.clients;
  const record: BackendRecord = { jobs: {}, published: [], registered: [] };
  const jobOptions = (state: string): LocalJobOptions => ({
    store: new S3ObjectStore(s3),
    workDir: options.workDir,
    region: deployment.env.region,
    onLog: options.onLog && ((line) => options.onLog!(state, line)),
  });

  const localJob = async (
    state: string,
    run: () => Promise<LocalJobRun<ProcessingJobDescription | TrainingJobDescription>>,
  ) => {
    const job = await run();
    record.jobs[state] = job;
    return syncTaskOutput(job.description);
  };

  const backend: IntegrationBackend = async (integration, parameters, state) => {
    switch (integration) {
      // Recorded in the emulator's SageMaker, then run here; `.sync` answers when it ends.
      case 'sagemaker:createProcessingJob':
        await sagemaker.send(
          new CreateProcessingJobCommand(parameters as unknown as CreateProcessingJobCommandInput),
        );
        return localJob(state, () =>
          runProcessingJob(parameters as unknown as CreateProcessingJobRequest, jobOptions(state)),
        );
      case 'sagemaker:createTrainingJob':
        await sagemaker.send(
          new CreateTrainingJobCommand(parameters as unknown as CreateTrainingJobCommandInput),
        );
        return localJob(state, () =>
          runTrainingJob(parameters as unknown as CreateTrainingJobRequest, jobOptions(state)),
        );
      case 'aws-sdk:s3:getObject': {
        const output = await s3
          .send(new GetObjectCommand({ Bucket: String(parameters.Bucket), Key: String(parameters.Key) }))
          .catch((error: Error) => {
            // Named as Step Functions names it, so the definition's Catch rules apply as on AWS
            // (a dataset's missing latest.json is `NoDatasetVersion`).
            if (error.name === 'NoSuchKey') throw namedError('S3.NoSuchKeyException', error.message);
            throw error;
          });
        // Step Functions' SDK integration returns the body as a string.
        return {
          Body: (await output.Body?.transformToString('utf8')) ?? '',
          ContentType: output.ContentType,
          ContentLength: output.ContentLength,
        };
      }
      case 'aws-sdk:sagemaker:createModelPackage': {
        const output = await sagemaker.send(
          new CreateModelPackageCommand(parameters as unknown as CreateModelPackageCommandInput),
        );
        record.registered.push(output.ModelPackageArn!);
        return { ModelPackageArn: output.ModelPackageArn };
      }
      case 'sns:publish': {
        const message =
          typeof parameters.Message === 'string' ? parameters.Message : JSON.stringify(parameters.Message);
        const output = await sns.send(
          new PublishCommand({
            TopicArn: String(parameters.TopicArn),
            Message: message,
            Subject: typeof parameters.Subject === 'string' ? parameters.Subject : undefined,
          }),
        );
        record.published.push({
          topicArn: String(parameters.TopicArn),
          subject: typeof parameters.Subject === 'string' ? parameters.Subject : undefined,
          message,
        });
        return { MessageId: output.MessageId } satisfies JsonObject;
      }
      default:
        throw new Error(`the local environment has no backend for ${integration} (state ${state})`);
    }
  };
  return { backend, record };
}
