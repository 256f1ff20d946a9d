/**
 * A command that runs a local Glue job as `mlenv local train` runs CleanRawData, for the interrupt
 * test (interrupts.test.ts) to stop: the job's script starts a grandchild that sleeps, writes both
 * pids to <pids file>, and sleeps. With `--other-handler`, a SIGINT/SIGTERM handler is there
 * before the job starts, as the main job's (it stops the local environment, then exits 130).
 * With `--hook`, the run's interrupt hook writes `<pids file>.hook` (the run's id and the signal)
 * after a moment, as a record to the emulator would: the command must wait for it.
 *
 * With `--processing`, the job is a processing job whose shell entrypoint does the same, and the
 * description its runner hands over when it is stopped goes to `<pids file>.hook` (JSON); with
 * `--training`, a training job whose program does the same.
 *
 * Usage: node --import tsx interrupted-job.ts <work dir> <pids file>
 *        [--other-handler | --hook | --processing | --training]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runGlueJob } from '../../../lib/tools/integrations/glue-job-run/local-run';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { runProcessingJob } from '../../../lib/tools/integrations/sagemaker-job/processing-job';
import { runTrainingJob } from '../../../lib/tools/integrations/sagemaker-job/training-job';

const SCRIPT = `import os, subprocess, sys, time
pids = sys.argv[sys.argv.index("--pids") + 1]
grandchild = subprocess.Popen(["sleep", "300"])
with open(pids + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {grandchild.pid}")
os.rename(pids + ".tmp", pids)
time.sleep(300)
`;

const HOOKED_RUN_ID = 'jr_interrupted';

async function main(): Promise<void> {
  const [workDir, pidsFile, mode] = process.argv.slice(2);
  if (mode === '--other-handler') {
    const stopEnvironment = () => setTimeout(() => process.exit(130), 300);
    process.once('SIGINT', stopEnvironment);
    process.once('SIGTERM', stopEnvironment);
  }
  const store = new MemoryObjectStore();
  const handOver = async (description: unknown) => {
    await sleep(500);
    writeFileSync(`${pidsFile}.hook`, JSON.stringify(description));
  };
  if (mode === '--training') {
    const program = join(workDir, '..', 'sleeper.py');
    writeFileSync(program, SCRIPT);
    await runTrainingJob(
      {
        TrainingJobName: 'sleeper',
        RoleArn: 'arn:aws:iam::123456789012:role/jobs',
        AlgorithmSpecification: { TrainingImage: 'example.com/image:1', TrainingInputMode: 'File' },
        HyperParameters: { sagemaker_program: program, pids: JSON.stringify(pidsFile) },
        OutputDataConfig: { S3OutputPath: 's3://models/out/' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      },
      { store, workDir },
      handOver,
    );
    console.log('the job ended by itself');
    return;
  }
  if (mode === '--processing') {
    await runProcessingJob(
      {
        ProcessingJobName: 'sleeper',
        RoleArn: 'arn:aws:iam::123456789012:role/jobs',
        AppSpecification: {
          ImageUri: 'example.com/image:1',
          ContainerEntrypoint: [
            'sh',
            '-c',
            `sleep 300 & echo "$$ $!" > ${pidsFile}.tmp; mv ${pidsFile}.tmp ${pidsFile}; wait`,
          ],
        },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large' } },
      },
      { store, workDir },
      handOver,
    );
    console.log('the job ended by itself');
    return;
  }
  await store.put('s3://scripts/sleeper.py', SCRIPT);
  await runGlueJob(
    {
      name: 'sleeper',
      scriptLocation: 's3://scripts/sleeper.py',
      defaultArguments: { '--pids': pidsFile },
      timeoutMinutes: 10,
    },
    {},
    {
      store,
      workDir,
      awsEnvironment: {},
      runId: HOOKED_RUN_ID,
      ...(mode === '--hook'
        ? {
            onInterrupt: async (signal: string) => {
              await sleep(500);
              writeFileSync(`${pidsFile}.hook`, `${HOOKED_RUN_ID} ${signal}`);
            },
          }
        : {}),
    },
  );
  console.log('the job ended by itself');
}

void main();
