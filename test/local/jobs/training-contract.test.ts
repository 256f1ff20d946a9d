import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicTarGz } from '../../../cfn/deterministic-tar';
import type { CreateTrainingJobRequest } from '../../../lib/jobs/job-requests';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { runTrainingJob } from '../../../lib/tools/integrations/sagemaker-job/training-job';
import { stateMachineDefinition } from '../../../cfn/template-intrinsics';
import { renderedTrainingRequest } from '../../support/rendered-training-request';
import { platformAssembly } from '../../support/platform';
import { tarEntries } from './sample-data';

type Json = Record<string, any>;

/** A train.py that records what the toolkit gave it, in the model and the output data. */
const PROBE = `import json, os, sys
model_dir = os.environ["SM_MODEL_DIR"]
seen = {
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "env": {k: v for k, v in os.environ.items() if k.startswith("SM_")},
    "train": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])),
}
with open(os.path.join(model_dir, "seen.json"), "w") as handle:
    json.dump(seen, handle)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "notes.txt"), "w") as handle:
    handle.write("notes")
print("metric train:auc=0.5")
print("metric train:auc=0.75")
print("metric validation:auc=oops")
`;

const { assembly, config } = platformAssembly();
const definition = stateMachineDefinition(assembly, 'Local/ChurnModel', 'ChurnPipeline/StateMachine');
const RUN_ID = 'c'.repeat(32);
const workDir = mkdtempSync(join(tmpdir(), 'mlenv-jobs-contract-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The rendered training job's request for RUN_ID (Train's, or a trial of Tune's), its code channel pointing at `codeUri`. */
function request(codeUri: string): CreateTrainingJobRequest {
  const params = renderedTrainingRequest(definition.States as Json, RUN_ID);
  // A tuning trial is given a value of each searched hyperparameter: here, the configured one.
  const churn = config.models.find((m) => m.name === 'churn')!;
  for (const [name, value] of Object.entries(churn.hyperparameters)) {
    params.HyperParameters[name] ??= String(value);
  }
  const code = params.InputDataConfig.find((c: Json) => c.ChannelName === 'code');
  code.DataSource.S3DataSource.S3Uri = codeUri;
  params.HyperParameters.sagemaker_submit_directory = `/opt/ml/input/data/code/${codeUri.split('/').at(-1)}`;
  params.CheckpointConfig = { S3Uri: `s3://checkpoints/churn/${RUN_ID}/` };
  return params as CreateTrainingJobRequest;
}

describe('a training job run locally, seen from its script', () => {
  let store: MemoryObjectStore;
  let job: CreateTrainingJobRequest;
  let result: Awaited<ReturnType<typeof runTrainingJob>>;
  let seen: Json;
  beforeAll(async () => {
    store = new MemoryObjectStore();
    job = request('s3://code/probe.tar.gz');
    await store.put(
      's3://code/probe.tar.gz',
      deterministicTarGz([{ name: 'train.py', content: Buffer.from(PROBE) }]),
    );
    for (const channel of job.InputDataConfig!.filter((c) => c.ChannelName !== 'code')) {
      await store.put(`${channel.DataSource.S3DataSource.S3Uri}part-1.csv`, 'a,target\n1,0\n');
    }
    await store.put(`${job.CheckpointConfig!.S3Uri}step-1.ckpt`, 'state');
    result = await runTrainingJob(job, { store, workDir, keepJobDir: true });
    const artifact = await store.get(result.description.ModelArtifacts!.S3ModelArtifacts);
    const dir = mkdtempSync(join(workDir, 'artifact-'));
    execFileSync('tar', ['-xzf', '-', '-C', dir], { input: artifact });
    seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8'));
  });

  test('completes', () => {
    expect([result.description.TrainingJobStatus, result.description.FailureReason]).toEqual([
      'Completed',
      undefined,
    ]);
    expect(result.exitCode).toBe(0);
  });

  test('runs sagemaker_program from /opt/ml/code with the hyperparameters as sorted --name value arguments', () => {
    expect(seen.cwd).toBe(join(result.jobDir!, 'opt/ml/code'));
    expect(seen.argv).toEqual([
      '--learning-rate',
      '0.1',
      '--max-depth',
      '3',
      '--n-estimators',
      '100',
      '--target-column',
      'target',
    ]);
  });

  test('sets the SM_* variables of the training toolkit, with /opt/ml under the job directory', () => {
    const root = `${result.jobDir}/opt/ml`;
    expect(seen.env).toMatchObject({
      SM_MODEL_DIR: `${root}/model`,
      SM_OUTPUT_DATA_DIR: `${root}/output/data`,
      SM_CHANNEL_TRAIN: `${root}/input/data/train`,
      SM_CHANNEL_VALIDATION: `${root}/input/data/validation`,
      SM_CHANNEL_CODE: `${root}/input/data/code`,
      SM_CHANNELS: '["train","validation","code"]',
      'SM_HP_N-ESTIMATORS': '100',
      'SM_HP_LEARNING-RATE': '0.1',
      'SM_HP_TARGET-COLUMN': 'target',
      SM_USER_ENTRY_POINT: 'train.py',
      SM_CURRENT_HOST: 'algo-1',
      SM_CURRENT_INSTANCE_TYPE: job.ResourceConfig.InstanceType,
    });
    expect(JSON.parse(seen.env.SM_HPS)).toEqual({
      'learning-rate': 0.1,
      'max-depth': 3,
      'n-estimators': 100,
      'target-column': 'target',
    });
    expect(JSON.parse(seen.env.SM_TRAINING_ENV)).toMatchObject({
      job_name: job.TrainingJobName,
      model_dir: '/opt/ml/model',
    });
    expect(seen.train).toEqual(['part-1.csv']);
  });

  test('packs the model directory and the output data next to each other', async () => {
    const output = `${job.OutputDataConfig.S3OutputPath}${job.TrainingJobName}/output`;
    expect(tarEntries(await store.get(`${output}/model.tar.gz`))).toEqual(['seen.json']);
    expect(tarEntries(await store.get(`${output}/output.tar.gz`))).toEqual(['notes.txt']);
    expect(store.objects.get(`${output}/model.tar.gz`)?.kmsKeyId).toBe(job.OutputDataConfig.KmsKeyId);
  });

  test('reports the last value of each metric that matched, skipping values that are not numbers', () => {
    expect(result.description.FinalMetricDataList.map((m) => [m.MetricName, m.Value])).toEqual([
      ['train:auc', 0.75],
    ]);
  });

  test('restores checkpoints before the script and saves them after it', async () => {
    expect(existsSync(join(result.jobDir!, 'opt/ml/checkpoints/step-1.ckpt'))).toBe(true);
    expect(await store.list(job.CheckpointConfig!.S3Uri)).toEqual([
      `${job.CheckpointConfig!.S3Uri}step-1.ckpt`,
    ]);
  });
});
