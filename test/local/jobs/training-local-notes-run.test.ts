import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { deterministicTarGz } from '../../../cfn/deterministic-tar';
import { stateMachineDefinition } from '../../../cfn/undeployed-definitions';
import { MlInstanceType, TrainingDistribution, TrainingPipeline } from '../../../constructs';
import type { CreateTrainingJobRequest } from '../../../lib/jobs/job-requests';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { runTrainingJob } from '../../../lib/tools/integrations/sagemaker-job/training-job';
import { pipelineFixture } from '../../support/training-fixtures';

type Json = Record<string, any>;

/** A train.py with a strict argparse, as the reference models have: an unknown argument fails it. */
const STRICT = `import argparse, os
parser = argparse.ArgumentParser()
parser.add_argument("--target-column")
args = parser.parse_args()
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("ok")
print("trained")
`;
const TYPE = 'ml.g5.12xlarge';
const workDir = mkdtempSync(join(tmpdir(), 'mlenv-jobs-notes-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The Train request of a torch_distributed pipeline on 2 GPU instances, as a tuning trial's. */
function trialRequest(codeUri: string): CreateTrainingJobRequest {
  const { stack, props } = pipelineFixture();
  new TrainingPipeline(stack, 'Pipeline', {
    ...props,
    hyperparameters: {},
    distribution: TrainingDistribution.TORCH_DISTRIBUTED,
    trainingInstanceType: MlInstanceType.of(TYPE),
    trainingInstanceCount: 2,
  });
  const machine = Object.values(
    Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'),
  )[0];
  const parameters = (stateMachineDefinition(machine.Properties)!.States as Json).Train.Parameters;
  const params = JSON.parse(
    JSON.stringify(parameters).replace(
      /"(\w+)\.\$":"States\.Format\('([^']*)', \$\.run\.id\)"/g,
      (_m, key: string, format: string) => `"${key}":"${format.replace('{}', 'n'.repeat(32))}"`,
    ),
  ) as Json;
  const code = params.InputDataConfig.find((c: Json) => c.ChannelName === 'code');
  code.DataSource.S3DataSource.S3Uri = codeUri;
  params.HyperParameters.sagemaker_submit_directory = `/opt/ml/input/data/code/${codeUri.split('/').at(-1)}`;
  params.HyperParameters._tuning_objective_metric = 'validation:auc';
  delete params.CheckpointConfig;
  return params as CreateTrainingJobRequest;
}

test("a GPU, two-instance tuning trial runs here on the CPU as one host, says so in its log's first lines, and its strict script never sees _tuning_objective_metric", async () => {
  const store = new MemoryObjectStore();
  const job = trialRequest('s3://code/strict.tar.gz');
  await store.put(
    's3://code/strict.tar.gz',
    deterministicTarGz([{ name: 'train.py', content: Buffer.from(STRICT) }]),
  );
  for (const channel of job.InputDataConfig!.filter((c) => c.ChannelName !== 'code')) {
    await store.put(`${channel.DataSource.S3DataSource.S3Uri}part-1.csv`, 'a,target\n1,0\n');
  }
  const streamed: string[] = [];
  const result = await runTrainingJob(job, { store, workDir, onLog: (line) => streamed.push(line) });
  expect([result.description.TrainingJobStatus, result.description.FailureReason]).toEqual([
    'Completed',
    undefined,
  ]);
  const notes = [
    `${TYPE} is a GPU instance type: this job runs on this machine's CPU (SM_NUM_GPUS=0)`,
    'InstanceCount 2: this job trains on one host here (algo-1); on AWS, 2 hosts share the work if train.py does as its model declares (torch_distributed; here without its launcher)',
  ];
  expect(result.log.split('\n').slice(0, 3)).toEqual([...notes, 'trained']);
  expect(streamed.slice(0, 3)).toEqual([...notes, 'trained']);
});
