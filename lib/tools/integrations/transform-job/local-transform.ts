import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeModelCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { asObject, type JsonObject } from '../../../../cfn/json-values';
import { TRANSFORM_JOB_LOG_GROUP } from '../../../../constructs';
import { REPO_ROOT } from '../../../../config/repo-root';
import { JobLines } from '../../../jobs/job-log-streams';
import { DEFAULT_PYTHON } from '../../../jobs/job-options';
import { runProcess, tail } from '../../../jobs/run-process';
import { downloadPrefix, uploadDirectory } from '../../../jobs/transfer';
import { S3ObjectStore } from '../../../ops/s3-object-store';
import { namedError, type LocalTask } from '../task-integration';
import { STOP_TRANSFORM_JOB } from './calls';

/** The stand-in that scores a folder of files with a model's own serving code. */
export const BATCH_TRANSFORM_STAND_IN = join(
  REPO_ROOT,
  'lib',
  'local',
  'python',
  'batch_transform_standin.py',
);

/**
 * A transform task answered here: the job is created in the emulator's SageMaker (DescribeTransformJob
 * and ListTransformJobs answer it), the model the request names is read back (its package's
 * artifact, and its container's environment: the pinned digest), every input object is scored
 * with the artifact's own `inference.py` in the model's Python (`batch_transform_standin.py`,
 * mini-batches of `MaxPayloadInMB` lines, each output line the input line joined with its
 * prediction), and `<file>.out` is written under `S3OutputPath` with the output key. Its log goes to
 * `/aws/sagemaker/TransformJobs`. A stop answers nothing: a local transform has ended before it.
 */
export async function runTransformJobLocally(task: LocalTask, parameters: JsonObject): Promise<unknown> {
  if (task.api === STOP_TRANSFORM_JOB) return {};
  const { sagemaker, s3 } = task.clients;
  const request = parameters as unknown as CreateTransformJobCommandInput;
  const name = String(request.TransformJobName);
  const created = await sagemaker.send(new CreateTransformJobCommand(request));
  const arn = created.TransformJobArn ?? `transform-job/${name}`;
  task.submitted({ TransformJobArn: arn });

  const model = await sagemaker.send(new DescribeModelCommand({ ModelName: request.ModelName }));
  const container = model.Containers?.[0] ?? model.PrimaryContainer;
  const packageName = container?.ModelPackageName;
  if (!packageName)
    throw namedError(
      'SageMaker.AmazonSageMakerException',
      `model ${request.ModelName} names no model package`,
    );
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageName }));
  const modelDataUrl = described.InferenceSpecification?.Containers?.[0]?.ModelDataUrl;
  if (!modelDataUrl)
    throw namedError('SageMaker.AmazonSageMakerException', `package ${packageName} has no ModelDataUrl`);

  const store = new S3ObjectStore(s3);
  const dir = mkdtempSync(join(tmpdir(), `mlenv-transform-${name.slice(0, 40)}-`));
  const lines = new JobLines();
  const started = new Date();
  try {
    const modelDir = join(dir, 'model');
    const archive = join(dir, 'model.tar.gz');
    writeFileSync(archive, await store.get(modelDataUrl));
    mkdirSync(modelDir, { recursive: true });
    const untar = await runProcess({
      command: 'tar',
      args: ['-xzf', archive, '-C', modelDir],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeoutSeconds: 600,
    });
    if (untar.exitCode !== 0) throw new Error(`cannot unpack ${modelDataUrl}: ${tail(untar.log)}`);
    const source = asObject(asObject(parameters.TransformInput)?.DataSource)?.S3DataSource;
    const inputUri = String(asObject(source)?.S3Uri ?? '');
    await downloadPrefix(store, inputUri, join(dir, 'input'));
    const output = asObject(parameters.TransformOutput) ?? {};
    const scored = await runProcess({
      command: task.python ?? DEFAULT_PYTHON,
      args: [
        BATCH_TRANSFORM_STAND_IN,
        '--model-dir',
        modelDir,
        '--input-dir',
        join(dir, 'input'),
        '--output-dir',
        join(dir, 'output'),
        '--max-payload-mb',
        String(request.MaxPayloadInMB ?? 6),
      ],
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...Object.fromEntries(
          Object.entries(container?.Environment ?? {}).filter(([, v]) => typeof v === 'string'),
        ),
      },
      timeoutSeconds: 3600,
      onLog: lines.onLog,
    });
    await task.keepLog(
      [
        {
          logGroupName: TRANSFORM_JOB_LOG_GROUP,
          logStreamName: `${name}/i-local-${Math.floor(started.getTime() / 1000)}`,
        },
      ],
      lines,
    );
    if (scored.exitCode !== 0) {
      const reason = scored.stderr.split('\n').find((l) => l.startsWith('error:')) ?? tail(scored.log, 3);
      throw namedError('SageMaker.AmazonSageMakerException', `transform job ${name} failed: ${reason}`);
    }
    const outputPath = String(output.S3OutputPath);
    await uploadDirectory(store, join(dir, 'output'), outputPath, {
      kmsKeyId: typeof output.KmsKeyId === 'string' ? output.KmsKeyId : undefined,
    });
    return {
      TransformJobName: name,
      TransformJobArn: arn,
      TransformJobStatus: 'Completed',
      ModelName: request.ModelName,
      TransformInput: parameters.TransformInput,
      TransformOutput: parameters.TransformOutput,
      TransformResources: parameters.TransformResources,
      CreationTime: started.toISOString(),
      TransformEndTime: new Date().toISOString(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
