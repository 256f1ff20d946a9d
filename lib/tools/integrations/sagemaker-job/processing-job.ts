import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { ContainerRoot } from '../../../jobs/container-root';
import type {
  CreateProcessingJobRequest,
  ProcessingJobDescription,
  ProcessingJobStatus,
} from '../../../jobs/job-requests';
import {
  baseEnvironment,
  DEFAULT_PYTHON,
  finishJob,
  jobArn,
  type LocalJobOptions,
  type LocalJobRun,
  makeJobDir,
  releaseJobDir,
} from '../../../jobs/job-options';
import { keepFailedJobLog, scriptError } from '../../../jobs/job-failure';
import { type ProcessResult, runProcess } from '../../../jobs/run-process';
import { interruptedReason, startJob } from '../../../jobs/running-jobs';
import { standInEntrypoint } from './image-stand-ins';
import { ClientError, downloadPrefix, uploadDirectory } from '../../../jobs/transfer';

/**
 * Runs a SageMaker processing job on this machine, under the processing container contract: each
 * `S3Prefix` input is downloaded to its `LocalPath`, the container's entrypoint and arguments run
 * as given (so the pipeline's `sh -c "cd ...; tar -xzf <code>; exec python3 $0 $@"` unpacks the
 * code archive itself) with `/opt/ml` under the job's directory and `python3` the project's Python,
 * and each output's `LocalPath` is uploaded to its `S3Uri` when the script exits 0. A non-zero
 * exit fails the job with the script's own error line (`errorLine`) and where its whole log is kept;
 * `MaxRuntimeInSeconds` stops it. A job stopped by an interrupt (Ctrl-C) never returns:
 * `onStopped` is given its description, `Stopped` with the interrupt as its exit message, before
 * the command exits, so that it can be recorded.
 */
export async function runProcessingJob(
  request: CreateProcessingJobRequest,
  options: LocalJobOptions,
  onStopped?: (description: ProcessingJobDescription) => Promise<unknown>,
): Promise<LocalJobRun<ProcessingJobDescription>> {
  const created = new Date();
  const jobDir = makeJobDir(options, request.ProcessingJobName);
  const root = new ContainerRoot(jobDir);
  const describe = (status: ProcessingJobStatus, reason?: string, exitMessage?: string) => {
    const ended = new Date();
    return {
      ...request,
      ProcessingJobArn: jobArn(options, request.RoleArn, 'processing-job', request.ProcessingJobName),
      ProcessingJobStatus: status,
      ...(reason ? { FailureReason: reason } : {}),
      ...(exitMessage ? { ExitMessage: exitMessage } : {}),
      CreationTime: created,
      ProcessingStartTime: created,
      ProcessingEndTime: ended,
      LastModifiedTime: ended,
    };
  };
  let result: ProcessResult | undefined;
  const running = startJob(`the processing job ${request.ProcessingJobName}`, jobDir, options.keepJobDir);
  if (onStopped) {
    running.onInterrupt((signal) => {
      const reason = interruptedReason(signal);
      return onStopped(describe('Stopped', reason, reason));
    });
  }
  try {
    const entrypoint =
      request.AppSpecification.ContainerEntrypoint ?? standInEntrypoint(request.AppSpecification.ImageUri);
    if (!entrypoint || entrypoint.length === 0) {
      throw new ClientError(
        `no local stand-in for the entrypoint of image ${request.AppSpecification.ImageUri}: give the job a ContainerEntrypoint`,
      );
    }
    for (const input of request.ProcessingInputs ?? []) {
      if (!input.S3Input)
        throw new ClientError(`input ${input.InputName}: only S3Input is supported locally`);
      if ((input.S3Input.S3DataType ?? 'S3Prefix') !== 'S3Prefix') {
        throw new ClientError(`input ${input.InputName}: only S3DataType S3Prefix is supported locally`);
      }
      await downloadPrefix(options.store, input.S3Input.S3Uri, root.hostPath(input.S3Input.LocalPath));
    }
    const outputs = request.ProcessingOutputConfig?.Outputs ?? [];
    for (const output of outputs) {
      if (!output.S3Output)
        throw new ClientError(`output ${output.OutputName}: only S3Output is supported locally`);
      mkdirSync(root.hostPath(output.S3Output.LocalPath), { recursive: true });
    }
    writeConfig(root, request);

    const { bin } = root.installPython(options.python ?? DEFAULT_PYTHON);
    const [command, ...entrypointArgs] = entrypoint.map((part) => root.rewrite(part));
    result = await runProcess({
      command,
      args: [...entrypointArgs, ...(request.AppSpecification.ContainerArguments ?? [])],
      cwd: jobDir,
      env: { ...baseEnvironment(bin), ...request.Environment },
      timeoutSeconds: request.StoppingCondition?.MaxRuntimeInSeconds ?? 24 * 3600,
      onLog: options.onLog,
      job: running,
    });
    if (result.timedOut) {
      const limit = request.StoppingCondition?.MaxRuntimeInSeconds;
      return finish(
        describe('Stopped', `MaxRuntimeExceeded: the job ran longer than ${limit} seconds`),
        result,
      );
    }
    const exitMessage = readExitMessage(root);
    if (result.exitCode !== 0) {
      // The script's own error line, then where the whole log is (on AWS, in CloudWatch Logs).
      const message = scriptError(result);
      const log = keepFailedJobLog(jobDir, result, options.keepJobDir);
      return finish(describe('Failed', `AlgorithmError: ${message}\n${log}`, exitMessage ?? message), result);
    }
    for (const output of outputs) {
      await uploadDirectory(
        options.store,
        root.hostPath(output.S3Output!.LocalPath),
        output.S3Output!.S3Uri,
        {
          kmsKeyId: request.ProcessingOutputConfig?.KmsKeyId,
        },
      );
    }
    return finish(describe('Completed', undefined, exitMessage), result);
  } catch (error) {
    if (!(error instanceof ClientError)) {
      releaseJobDir(options, jobDir);
      throw error;
    }
    return finish(describe('Failed', error.message), result);
  } finally {
    running.end();
  }

  function finish(description: ProcessingJobDescription, run?: ProcessResult) {
    return finishJob(options, jobDir, description, run);
  }
}

/**
 * The job's exit message: the first 1 KB of what the container wrote to `/opt/ml/output/message`
 * (SageMaker's documented processing contract), if it wrote it.
 */
function readExitMessage(root: ContainerRoot): string | undefined {
  const file = root.hostPath('/opt/ml/output/message');
  if (!existsSync(file)) return undefined;
  return readFileSync(file).subarray(0, 1024).toString('utf8');
}

/** `/opt/ml/config/processingjobconfig.json` and `resourceconfig.json`, as the container has them. */
function writeConfig(root: ContainerRoot, request: CreateProcessingJobRequest): void {
  root.writeJson('/opt/ml/config/processingjobconfig.json', request, 2);
  root.writeJson('/opt/ml/config/resourceconfig.json', { current_host: 'algo-1', hosts: ['algo-1'] }, 2);
}
