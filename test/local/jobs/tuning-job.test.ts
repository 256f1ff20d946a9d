import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicTarGz } from '../../../cfn/deterministic-tar';
import type { JsonObject } from '../../../cfn/json-values';
import { runTuningJobLocally } from '../../../lib/tools/integrations/tuning-job/local-trials';
import { fakeTask, MODELS, OBJECTIVE, selected, tuneParameters } from '../../integrations/tuning-fixtures';

/**
 * A tuning job's trials run for real: the model's script, under the training toolkit's contract,
 * once per trial with that trial's sampled hyperparameters; its objective read from its log with
 * the job's metric definition; the best trial's model where the Tune state's ResultSelector says
 * it is (`<S3OutputPath><best trial>/output/model.tar.gz`), in the object store.
 */
const TRAIN = `import argparse, json, os
parser = argparse.ArgumentParser()
parser.add_argument("--learning-rate", type=float)
parser.add_argument("--max-depth", type=int)
args, _ = parser.parse_known_args()
with open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "hyperparameters.json")) as handle:
    hyperparameters = json.load(handle)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "seen.json"), "w") as handle:
    json.dump({"hyperparameters": hyperparameters, "learning_rate": args.learning_rate}, handle)
print(f"validation:auc={args.learning_rate}")
`;

const workDir = mkdtempSync(join(tmpdir(), 'mlenv-jobs-tuning-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

test('three trials of the model code; the best model is where the ResultSelector points', async () => {
  const [model] = MODELS;
  const { task, seen } = fakeTask();
  const jobOptions = task.jobOptions;
  const local = {
    ...task,
    jobOptions: (...args: Parameters<typeof jobOptions>) => ({ ...jobOptions(...args), workDir }),
  };
  const code = 's3://code/sourcedir.tar.gz';
  await seen.store.put(code, deterministicTarGz([{ name: 'train.py', content: Buffer.from(TRAIN) }]));
  await seen.store.put('s3://data/train/part-1.csv', 'a,target\n1,0\n');
  const parameters = tuneParameters(model, { maxJobs: 3 });
  const definition = parameters.TrainingJobDefinition as JsonObject;
  (definition.StaticHyperParameters as JsonObject).sagemaker_submit_directory = code;

  const output = await runTuningJobLocally(local, parameters);

  expect(seen.recordedJobs.map((j) => j.TrainingJobStatus)).toEqual(['Completed', 'Completed', 'Completed']);
  const rates = seen.recordedJobs.map((j) => Number(j.HyperParameters!['learning-rate']));
  // Each trial's objective is what its script printed, read with the metric definition.
  expect(seen.recordedJobs.map((j) => j.FinalMetricDataList.map((m) => [m.MetricName, m.Value]))).toEqual(
    rates.map((rate) => [[OBJECTIVE, rate]]),
  );
  const train = await selected(output);
  expect(train.jobName).toBe(seen.recordedJobs[rates.indexOf(Math.max(...rates))].TrainingJobName);
  const artifact = await seen.store.get(String(train.modelArtifacts));
  const dir = mkdtempSync(join(workDir, 'artifact-'));
  execFileSync('tar', ['-xzf', '-', '-C', dir], { input: artifact });
  const seenByScript = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8'));
  expect(seenByScript.learning_rate).toBe(Math.max(...rates));
  // SageMaker adds it to the trial's hyperparameters.json (the toolkit keeps it from the script's arguments).
  expect(seenByScript.hyperparameters._tuning_objective_metric).toBe(OBJECTIVE);
  // Each trial's log, where SageMaker keeps a training job's.
  expect(seen.logs.map((l) => l.lines.some((line) => line.startsWith(`${OBJECTIVE}=`)))).toEqual([
    true,
    true,
    true,
  ]);
}, 120_000);
