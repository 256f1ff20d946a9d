import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { deterministicTarGz } from '../../../../cfn/deterministic-tar';
import { ContainerRoot } from '../../../jobs/container-root';
import type { CreateTrainingJobRequest, TrainingJobDescription } from '../../../jobs/job-requests';
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
import { extractMetrics } from '../../../jobs/metrics';
import { exitStatus, keepFailedJobLog, scriptError } from '../../../jobs/job-failure';
import { type ProcessResult, runProcess } from '../../../jobs/run-process';
import { interruptedReason, startJob } from '../../../jobs/running-jobs';
import { joinS3Uri } from '../../../ops/s3-uri';
import { TRAINING_PATHS, trainingContract } from './training-environment';
import { ClientError, downloadPrefix, filesUnder, uploadDirectory } from '../../../jobs/transfer';

/**
 * Runs a SageMaker training job in script mode on this machine, as the framework image's training
 * toolkit would: channels downloaded to `/opt/ml/input/data/<channel>`, `hyperparameters.json`,
 * `resourceconfig.json` and `inputdataconfig.json` in `/opt/ml/input/config`, the source archive
 * (`sagemaker_submit_directory`) unpacked into `/opt/ml/code`, and `sagemaker_program` run with the
 * project's Python, the `SM_*` variables and the hyperparameters as `--name value` arguments, with
 * `/opt/ml` under the job's directory. On exit 0, `/opt/ml/model` becomes
 * `<S3OutputPath><job name>/output/model.tar.gz` (and `/opt/ml/output/data`, if the script wrote
 * any, `output.tar.gz`). Metrics are read from the log with the job's `MetricDefinitions`. A GPU
 * instance type runs on this machine's CPU and several instances as one host: the log's first
 * lines say so (`TrainingContract.notes`).
 * Checkpoints are downloaded before the script runs and uploaded after it. A job stopped by an
 * interrupt (Ctrl-C) never returns: `onStopped` is given its description, `Stopped`, before the
 * command exits, so that it can be recorded (as a StopTrainingJob's job is: status and secondary
 * status `Stopped`, no model).
 */
export async function runTrainingJob(
  request: CreateTrainingJobRequest,
  options: LocalJobOptions,
  onStopped?: (description: TrainingJobDescription) => Promise<unknown>,
): Promise<LocalJobRun<TrainingJobDescription>> {
  const created = new Date();
  const jobDir = makeJobDir(options, request.TrainingJobName);
  const root = new ContainerRoot(jobDir);
  const outputUri = joinS3Uri(request.OutputDataConfig.S3OutputPath, `${request.TrainingJobName}/output`);
  const kms = { kmsKeyId: request.OutputDataConfig.KmsKeyId };
  const checkpoint = request.CheckpointConfig;
  const checkpointDir = root.hostPath(checkpoint?.LocalPath ?? TRAINING_PATHS.checkpoints);
  let result: ProcessResult | undefined;

  const describe = (
    status: TrainingJobDescription['TrainingJobStatus'],
    secondary: TrainingJobDescription['SecondaryStatus'],
    reason?: string,
  ): TrainingJobDescription => {
    const ended = new Date();
    const seconds = Math.round((ended.getTime() - created.getTime()) / 1000);
    return {
      ...request,
      TrainingJobArn: jobArn(options, request.RoleArn, 'training-job', request.TrainingJobName),
      TrainingJobStatus: status,
      SecondaryStatus: secondary,
      ...(reason ? { FailureReason: reason } : {}),
      ...(status === 'Completed'
        ? { ModelArtifacts: { S3ModelArtifacts: `${outputUri}/model.tar.gz` } }
        : {}),
      FinalMetricDataList: result
        ? extractMetrics(result.log, request.AlgorithmSpecification.MetricDefinitions ?? [], ended)
        : [],
      CreationTime: created,
      TrainingStartTime: created,
      TrainingEndTime: ended,
      LastModifiedTime: ended,
      TrainingTimeInSeconds: seconds,
      BillableTimeInSeconds: seconds,
    };
  };
  const finish = (description: TrainingJobDescription) => finishJob(options, jobDir, description, result);
  const running = startJob(`the training job ${request.TrainingJobName}`, jobDir, options.keepJobDir);
  if (onStopped) {
    running.onInterrupt((signal) => onStopped(describe('Stopped', 'Stopped', interruptedReason(signal))));
  }

  try {
    const contract = trainingContract(request, availableParallelism());
    for (const channel of request.InputDataConfig ?? []) {
      await downloadPrefix(
        options.store,
        channel.DataSource.S3DataSource.S3Uri,
        root.hostPath(`${TRAINING_PATHS.data}/${channel.ChannelName}`),
      );
    }
    if (checkpoint && (await options.store.list(checkpoint.S3Uri)).length > 0) {
      await downloadPrefix(options.store, checkpoint.S3Uri, checkpointDir);
    }
    for (const [path, content] of Object.entries(contract.files)) root.writeJson(path, content);
    for (const path of Object.values(TRAINING_PATHS)) mkdirSync(root.hostPath(path), { recursive: true });
    mkdirSync(checkpointDir, { recursive: true });
    if (contract.submitDirectory) await unpackSource(options, root, contract.submitDirectory);

    const { bin, command } = root.installPython(options.python ?? DEFAULT_PYTHON);
    // How this machine stands in for the job's instances, first in the job's log.
    for (const note of contract.notes) options.onLog?.(note, 'stdout');
    result = await runProcess({
      command: command[0],
      args: [command[1], contract.program, ...contract.args],
      cwd: root.hostPath(TRAINING_PATHS.code),
      env: { ...baseEnvironment(bin), PYTHONPATH: TRAINING_PATHS.code, ...contract.environment },
      timeoutSeconds: request.StoppingCondition?.MaxRuntimeInSeconds ?? 24 * 3600,
      onLog: options.onLog,
      job: running,
    });
    result = { ...result, log: contract.notes.map((note) => `${note}\n`).join('') + result.log };
    if (checkpoint) await uploadDirectory(options.store, checkpointDir, checkpoint.S3Uri, kms);
    if (result.timedOut) {
      const limit = request.StoppingCondition?.MaxRuntimeInSeconds;
      return finish(
        describe(
          'Stopped',
          'MaxRuntimeExceeded',
          `MaxRuntimeExceeded: the job ran longer than ${limit} seconds`,
        ),
      );
    }
    if (result.exitCode !== 0) {
      // As the training toolkit reports a script's failure, with its error line as the message;
      // then where the whole log is (on AWS, in CloudWatch Logs).
      const command = ['python3', contract.program, ...contract.args].join(' ');
      const reason =
        `AlgorithmError: ExecuteUserScriptError:\nExitCode ${exitStatus(result)}\n` +
        `ErrorMessage "${scriptError(result)}"\nCommand "${command}"\n` +
        keepFailedJobLog(jobDir, result, options.keepJobDir);
      return finish(describe('Failed', 'Failed', reason));
    }
    await options.store.put(`${outputUri}/model.tar.gz`, tarGzOf(root.hostPath(TRAINING_PATHS.model)), kms);
    const data = root.hostPath(TRAINING_PATHS.outputData);
    if (filesUnder(data).length > 0)
      await options.store.put(`${outputUri}/output.tar.gz`, tarGzOf(data), kms);
    return finish(describe('Completed', 'Completed'));
  } catch (error) {
    if (!(error instanceof ClientError)) {
      releaseJobDir(options, jobDir);
      throw error;
    }
    return finish(describe('Failed', 'Failed', error.message));
  } finally {
    running.end();
  }
}

/** Unpacks the source archive into `/opt/ml/code`, from a channel (a local path) or from S3. */
async function unpackSource(
  options: LocalJobOptions,
  root: ContainerRoot,
  submitDirectory: string,
): Promise<void> {
  let archive: string;
  if (submitDirectory.startsWith('s3://')) {
    archive = root.hostPath('/opt/ml/input/sourcedir.tar.gz');
    writeFileSync(archive, await options.store.get(submitDirectory));
  } else {
    archive = root.hostPath(submitDirectory);
  }
  try {
    execFileSync('tar', ['-xzf', archive, '-C', root.hostPath(TRAINING_PATHS.code)], { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new ClientError(`could not unpack sagemaker_submit_directory ${submitDirectory}: ${stderr}`);
  }
}

/** A `.tar.gz` of the files under `directory`, at their relative paths (as SageMaker packs /opt/ml/model). */
function tarGzOf(directory: string): Buffer {
  return deterministicTarGz(
    filesUnder(directory).map((name) => ({
      name,
      content: readFileSync(join(directory, ...name.split('/'))),
    })),
  );
}
