import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateMachineDefinition } from '../../../cfn/template-intrinsics';
import type {
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  ProcessingJobDescription,
  TrainingJobDescription,
} from '../../../lib/jobs/job-requests';
import type { LocalJobOptions, LocalJobRun } from '../../../lib/jobs/job-options';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { runProcessingJob } from '../../../lib/tools/integrations/sagemaker-job/processing-job';
import { syncTaskOutput } from '../../../lib/tools/integrations/sagemaker-job/sync-task';
import { runTrainingJob } from '../../../lib/tools/integrations/sagemaker-job/training-job';
import { trialRequest } from '../../../lib/tools/integrations/tuning-job/trial-definitions';
import { trialName } from '../../../lib/tools/integrations/tuning-job/tuning-description';
import { deterministicTarGz } from '../../../cfn/deterministic-tar';
import { type PipelineRun, runPipeline } from '../../support/pipeline-harness';
import { platformAssembly } from '../../support/platform';
import { publishFileAsset } from './assembly-assets';
import { sampleDataset, tarEntries } from './sample-data';
import { type ModelConfig } from '../../../config';
import { METRIC_GROUPS } from '../../../config/evaluation-metrics';
import { pascalCase } from '../../../cfn/pascal-case';

type Json = Record<string, any>;
const { assembly, config } = platformAssembly();

/** A model's Local pipeline as rendered: its definition, states, source archive and raw bucket. */
function renderedPipeline(model: ModelConfig) {
  const id = pascalCase(model.name);
  const definition = stateMachineDefinition(assembly, `Local/${id}Model`, `${id}Pipeline/StateMachine`);
  const states = definition.States as Json;
  const codeUri: string = states.Preprocess.Parameters.ProcessingInputs.find(
    (i: Json) => i.InputName === 'code',
  ).S3Input.S3Uri;
  const curated = /s3:\/\/([^/]+-curated)\//.exec(
    states.Preprocess.Parameters.ProcessingOutputConfig.Outputs[0].S3Output['S3Uri.$'],
  )![1];
  return { definition, states, codeUri, raw: `s3://${curated.replace(/-curated$/, '-raw')}/${model.name}` };
}

/** The state that trains a pipeline's model: Train, or Tune (its best trial's model goes on). */
const trainingState = (states: Json): 'Train' | 'Tune' => (states.Tune ? 'Tune' : 'Train');

/** A training job's request as a pipeline's state defines it: Train's, or a Tune's trials'. */
function trainingTemplate(states: Json): Json {
  return states.Tune ? states.Tune.Parameters.TrainingJobDefinition : states.Train.Parameters;
}

/**
 * One trial of a tuning request, with the low end of every range: the tuning job's run here is
 * that trial, answered as DescribeHyperParameterTuningJob with it as the best. (The local
 * environment's own trials are tested in test/integrations/tuning-trials.test.ts.)
 */
function oneTrial(request: Json): { trial: Json; answer: (description: TrainingJobDescription) => Json } {
  const name = String(request.HyperParameterTuningJobName);
  const config = request.HyperParameterTuningJobConfig;
  const ranges = Object.values(config.ParameterRanges as Json).flat() as Json[];
  const tuned = Object.fromEntries(ranges.map((r) => [r.Name, String(r.MinValue ?? r.Values[0])]));
  const trial = trialRequest(request.TrainingJobDefinition, trialName(name, 1), tuned);
  return {
    trial,
    answer: (description) => ({
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: `arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/${name}`,
      HyperParameterTuningJobStatus: 'Completed',
      HyperParameterTuningJobConfig: config,
      TrainingJobDefinition: request.TrainingJobDefinition,
      BestTrainingJob: {
        TrainingJobName: description.TrainingJobName,
        TrainingJobArn: description.TrainingJobArn,
        TrainingJobStatus: description.TrainingJobStatus,
        TunedHyperParameters: tuned,
        FinalHyperParameterTuningJobObjectiveMetric: {
          Type: config.HyperParameterTuningJobObjective.Type,
          MetricName: config.HyperParameterTuningJobObjective.MetricName,
          Value: description.FinalMetricDataList.find(
            (m) => m.MetricName === config.HyperParameterTuningJobObjective.MetricName,
          )?.Value,
        },
      },
    }),
  };
}

// The job failures below are the same for every model: they run the first one's.
const { definition, states, codeUri, raw: RAW_DATASETS } = renderedPipeline(config.models[0]);

const workDir = mkdtempSync(join(tmpdir(), 'mlenv-jobs-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** A store with a model's source archive published where its definition says. */
async function platformStore(uri = codeUri): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await publishFileAsset(assembly, uri, store);
  return store;
}

interface LocalPipelineRun extends PipelineRun {
  readonly jobs: Record<string, LocalJobRun<ProcessingJobDescription | TrainingJobDescription>>;
  readonly seconds: Record<string, number>;
  /** The training job whose model was evaluated (Train's, or Tune's trial) and its request. */
  readonly training?: { readonly run: LocalJobRun<TrainingJobDescription>; readonly request: Json };
}

/**
 * Executes the Local training pipeline's rendered definition; Preprocess, Train and Evaluate run
 * the real ml/ scripts with the requests the state machine builds, ReadMetrics reads the store.
 */
async function runLocalPipeline(
  store: MemoryObjectStore,
  datasetS3Uri: string,
  executionName: string,
  pipeline: Json = definition,
) {
  const options: LocalJobOptions = { store, workDir, keepJobDir: true };
  const jobs: LocalPipelineRun['jobs'] = {};
  const seconds: Record<string, number> = {};
  let training: LocalPipelineRun['training'];
  const train = async (state: string, request: Json) => {
    const started = Date.now();
    const result = await runTrainingJob(request as CreateTrainingJobRequest, options);
    seconds[state] = (Date.now() - started) / 1000;
    jobs[state] = result;
    training = { run: result, request };
    return result.description;
  };
  const timed =
    <R, D extends ProcessingJobDescription | TrainingJobDescription>(
      state: string,
      run: (request: R, options: LocalJobOptions) => Promise<LocalJobRun<D>>,
    ) =>
    async (request: Json) => {
      const started = Date.now();
      const result = await run(request as R, options);
      seconds[state] = (Date.now() - started) / 1000;
      jobs[state] = result;
      return syncTaskOutput(result.description);
    };
  const run = await runPipeline(
    pipeline,
    { datasetS3Uri, datasetVersion: 'v1', reason: 'manual' },
    {
      executionName,
      overrides: {
        Preprocess: timed<CreateProcessingJobRequest, ProcessingJobDescription>(
          'Preprocess',
          runProcessingJob,
        ),
        Train: async (request: Json) => syncTaskOutput(await train('Train', request)),
        Tune: async (request: Json) => {
          const { trial, answer } = oneTrial(request);
          const description = await train('Tune', trial);
          syncTaskOutput(description);
          return answer(description);
        },
        Evaluate: timed<CreateProcessingJobRequest, ProcessingJobDescription>('Evaluate', runProcessingJob),
        Baseline: timed<CreateProcessingJobRequest, ProcessingJobDescription>('Baseline', runProcessingJob),
        ReadMetrics: async (p) => ({
          Body: (await store.get(`s3://${p.Bucket}/${p.Key}`)).toString('utf8'),
          ContentType: 'application/json',
        }),
      },
    },
  );
  return { ...run, jobs, seconds, training } as LocalPipelineRun;
}

describe.each(config.models.map((m) => [m.name, m]))(
  "%s's Local training pipeline, with its SageMaker jobs run locally",
  (_name, model) => {
    const { definition, states, codeUri, raw } = renderedPipeline(model);
    const group = METRIC_GROUPS[model.problemType];
    const dataset = sampleDataset(model);
    const rows = dataset.trim().split('\n').length - 1;
    let store: MemoryObjectStore;
    let run: LocalPipelineRun;
    beforeAll(async () => {
      store = await platformStore(codeUri);
      // The model's whole sample: its quality gate is set for it (a small test split is noisy).
      await store.put(`${raw}/data.csv`, dataset);
      const started = Date.now();
      run = await runLocalPipeline(store, `${raw}/data.csv`, `local-jobs-test-${model.name}`, definition);
      const total = (Date.now() - started) / 1000;
      const parts = Object.entries(run.seconds).map(([state, s]) => `${state} ${s.toFixed(1)} s`);
      console.log(
        `${model.name}: Preprocess -> Train -> Evaluate (${rows} rows): ${parts.join(', ')}; execution ${total.toFixed(1)} s`,
      );
    });

    test('runs Preprocess, Train and Evaluate with the real scripts, and registers the model', () => {
      expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED' });
      for (const state of ['Preprocess', trainingState(states), 'Evaluate']) {
        const description: Json = run.jobs[state].description;
        expect([state, description.ProcessingJobStatus ?? description.TrainingJobStatus]).toEqual([
          state,
          'Completed',
        ]);
      }
      expect(run.jobs.Preprocess.log).toMatch(
        new RegExp(
          `^preprocess: ${rows} rows from 1 file\\(s\\) -> train=\\d+ validation=\\d+ test=\\d+`,
          'm',
        ),
      );
      expect(Object.keys(run.calls)).toEqual(expect.arrayContaining(['RegisterModel', 'NotifySuccess']));
    });

    test("computes the drift baseline with the Model Monitor stand-in, where the package's DriftCheckBaselines point", async () => {
      const baseline = run.jobs.Baseline;
      expect(baseline.description.ProcessingJobStatus).toBe('Completed');
      expect(baseline.log).toMatch(/stand-in for SageMaker Model Monitor/);
      const output = ((run.calls.Baseline[0] as Json).ProcessingOutputConfig as Json).Outputs[0].S3Output
        .S3Uri;
      const stats = JSON.parse((await store.get(`${output}/statistics.json`)).toString('utf8'));
      const constraints = JSON.parse((await store.get(`${output}/constraints.json`)).toString('utf8'));
      // The baseline is of the features without the target, as endpoints capture them.
      expect(stats.features.map((f: Json) => f.name)).not.toContain('target');
      expect(constraints.features.map((f: Json) => f.name)).toEqual(stats.features.map((f: Json) => f.name));
      const registered = (run.calls.RegisterModel[0] as Json).DriftCheckBaselines.ModelDataQuality;
      expect([registered.Statistics.S3Uri, registered.Constraints.S3Uri]).toEqual([
        `${output}/statistics.json`,
        `${output}/constraints.json`,
      ]);
    });

    test('writes the splits where the definition says, encrypted with the job key', async () => {
      const outputs = (run.calls.Preprocess[0] as Json).ProcessingOutputConfig as Json;
      for (const output of outputs.Outputs) {
        const uri = `${output.S3Output.S3Uri}/${output.OutputName}.csv`;
        expect(await store.list(output.S3Output.S3Uri)).toEqual([uri]);
        expect(store.objects.get(uri)?.kmsKeyId).toBe(outputs.KmsKeyId);
      }
    });

    test('uploads the model artifact with the model, its metadata and the serving code with the library', async () => {
      const train = run.training!.run.description;
      const request = run.training!.request;
      const artifact = `${request.OutputDataConfig.S3OutputPath}${request.TrainingJobName}/output/model.tar.gz`;
      expect(train.ModelArtifacts?.S3ModelArtifacts).toBe(artifact);
      const entries = tarEntries(await store.get(artifact));
      expect(entries).toEqual(
        expect.arrayContaining(['model-metadata.json', 'code/inference.py', 'code/mlenv_model/serving.py']),
      );
      // The model file its metadata names.
      const metadata = JSON.parse(
        readFileSync(join(run.training!.run.jobDir!, 'opt/ml/model/model-metadata.json'), 'utf8'),
      );
      expect(entries).toContain(metadata.model_file);
      // Evaluate read exactly this artifact.
      expect(
        (run.calls.Evaluate[0] as Json).ProcessingInputs.find((i: Json) => i.InputName === 'model').S3Input
          .S3Uri,
      ).toBe(artifact);
    });

    test("extracts the training metrics from the job's log with its metric definitions", () => {
      const train = run.training!.run.description;
      expect(train.FinalMetricDataList.map((m) => m.MetricName)).toEqual(
        trainingTemplate(states).AlgorithmSpecification.MetricDefinitions.map((d: Json) => d.Name),
      );
      const logged = Object.fromEntries(
        [...run.training!.run.log.matchAll(/^metric (\S+)=(-?[0-9.]+)$/gm)].map((m) => [m[1], Number(m[2])]),
      );
      // The problem type's metrics: the first on the train split, then each on the validation split.
      const names = Object.keys(group);
      expect(Object.keys(logged)).toEqual([`train:${names[0]}`, ...names.map((n) => `validation:${n}`)]);
      for (const metric of train.FinalMetricDataList) {
        expect(metric.Value).toBe(logged[metric.MetricName]);
        expect(Number.isFinite(metric.Value)).toBe(true);
      }
    });

    test('evaluation.json has the metrics, and the quality gate read them', async () => {
      const output = (run.calls.Evaluate[0] as Json).ProcessingOutputConfig.Outputs[0].S3Output;
      const evaluation = JSON.parse((await store.get(`${output.S3Uri}/evaluation.json`)).toString());
      const metrics = evaluation[`${model.problemType}_metrics`];
      for (const name of Object.keys(group)) expect(Number.isFinite(metrics[name].value)).toBe(true);
      const gate = model.qualityGate.metric;
      expect((run.calls.NotifySuccess[0] as Json).Message).toMatchObject({
        metric: gate,
        value: metrics[gate].value,
      });
      expect((run.calls.RegisterModel[0] as Json).ModelMetrics.ModelQuality.Statistics.S3Uri).toBe(
        `${output.S3Uri}/evaluation.json`,
      );
    });

    test('gives the training script the container contract: config files, SM_* variables, code', () => {
      const jobDir = run.training!.run.jobDir!;
      const request = run.training!.request;
      const config = (name: string) =>
        JSON.parse(readFileSync(join(jobDir, 'opt/ml/input/config', name), 'utf8'));
      expect(config('hyperparameters.json')).toEqual(request.HyperParameters);
      expect(Object.keys(config('inputdataconfig.json'))).toEqual(['train', 'validation', 'code']);
      expect(config('inputdataconfig.json').train).toMatchObject({
        ContentType: 'text/csv',
        TrainingInputMode: 'File',
      });
      expect(config('resourceconfig.json')).toMatchObject({
        current_host: 'algo-1',
        hosts: ['algo-1'],
        current_instance_type: request.ResourceConfig.InstanceType,
      });
      const archive = request.HyperParameters.sagemaker_submit_directory as string;
      expect(existsSync(join(jobDir, archive))).toBe(true);
      expect(existsSync(join(jobDir, 'opt/ml/code/train.py'))).toBe(true);
      expect(existsSync(join(jobDir, 'opt/ml/input/data/train/train.csv'))).toBe(true);
    });
  },
);

describe('a job that fails', () => {
  test("a bad dataset fails Preprocess with the script's own message, and the pipeline notifies", async () => {
    const store = await platformStore();
    await store.put(`${RAW_DATASETS}/bad.csv`, 'a,b\n1,2\n3,4\n');
    const run = await runLocalPipeline(store, `${RAW_DATASETS}/bad.csv`, 'local-jobs-bad-dataset');
    const description = run.jobs.Preprocess.description as ProcessingJobDescription;
    expect(run.jobs.Preprocess.exitCode).toBe(2);
    expect(description.ProcessingJobStatus).toBe('Failed');
    expect(description.FailureReason).toMatch(/^AlgorithmError: error: target column 'target' not found in /);
    expect(run.status).toBe('FAILED');
    expect(run.calls[trainingState(states)]).toBeUndefined();
    expect(run.calls.NotifyFailure).toHaveLength(1);
    expect(JSON.stringify(run.calls.NotifyFailure[0])).toContain("target column 'target' not found");
  });

  test('a training script that exits non-zero fails the job with its stderr', async () => {
    const store = await platformStore();
    const request = trainingRequest('0'.repeat(32));
    for (const channel of request.InputDataConfig!.filter((c) => c.ChannelName !== 'code')) {
      await store.put(`${channel.DataSource.S3DataSource.S3Uri}data.csv`, 'x,target\nlow,0\nhigh,1\n');
    }
    const { description, exitCode } = await runTrainingJob(request, { store, workDir });
    expect(exitCode).toBe(2);
    expect(description.TrainingJobStatus).toBe('Failed');
    expect(description.FailureReason).toMatch(
      /^AlgorithmError: ExecuteUserScriptError:\nExitCode 2\nErrorMessage "error: non-numeric values in feature column/,
    );
    expect(description.ModelArtifacts).toBeUndefined();
    expect(await store.list(request.OutputDataConfig.S3OutputPath)).toEqual([]);
  });

  test('a missing input fails the job before any script runs', async () => {
    const store = await platformStore();
    const { description, log } = await runTrainingJob(trainingRequest('1'.repeat(32)), { store, workDir });
    expect(description.TrainingJobStatus).toBe('Failed');
    expect(description.FailureReason).toMatch(
      /^ClientError: No S3 objects found under S3 URL "s3:\/\/.+\/train\/"/,
    );
    expect(log).toBe('');
  });

  test('a job that runs longer than MaxRuntimeInSeconds is stopped', async () => {
    const store = await platformStore();
    const slowCode = `${codeUri.replace(/\.gz$/, '')}-slow.gz`;
    await store.put(
      slowCode,
      deterministicTarGz([
        {
          name: 'preprocess.py',
          content: Buffer.from('import time\nprint("working", flush=True)\ntime.sleep(60)\n'),
        },
      ]),
    );
    await store.put(`${RAW_DATASETS}/data.csv`, 'a,target\n1,0\n');
    const template = states.Preprocess.Parameters;
    const request = resolve(template, {
      runId: '2'.repeat(32),
      datasetS3Uri: `${RAW_DATASETS}/data.csv`,
    }) as Json;
    request.ProcessingInputs[0].S3Input.S3Uri = slowCode;
    request.AppSpecification.ContainerEntrypoint[2] = request.AppSpecification.ContainerEntrypoint[2].replace(
      codeUri.split('/').at(-1),
      slowCode.split('/').at(-1),
    );
    request.StoppingCondition = { MaxRuntimeInSeconds: 1 };
    const started = Date.now();
    const { description, log } = await runProcessingJob(request as CreateProcessingJobRequest, {
      store,
      workDir,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(description.ProcessingJobStatus).toBe('Stopped');
    expect(description.FailureReason).toBe('MaxRuntimeExceeded: the job ran longer than 1 seconds');
    expect(log).toContain('working');
    expect(() => execFileSync('pgrep', ['-f', slowCode.split('/').at(-1)!])).toThrow();
  });
});

/** A training job's request for run `runId`, as the state machine would build it (a Tune's trial's). */
function trainingRequest(runId: string): CreateTrainingJobRequest {
  const template = resolve(trainingTemplate(states), { runId }) as Json;
  const request = states.Tune ? trialRequest(template, trialName(`trial-${runId.slice(0, 8)}`, 1)) : template;
  return request as CreateTrainingJobRequest;
}

/**
 * A task's `Parameters` with the paths the pipeline's job states use filled in: `$.run.id` in
 * `States.Format`, `$.datasetS3Uri`. (The tests above let the state machine do this itself.)
 */
function resolve(value: unknown, run: { runId: string; datasetS3Uri?: string }): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, run));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (!key.endsWith('.$')) return [key, resolve(v, run)];
      const format = /^States\.Format\('([^']*)', \$\.run\.id\)$/.exec(String(v));
      if (format) return [key.slice(0, -2), format[1].replace('{}', run.runId)];
      if (v === '$.datasetS3Uri' && run.datasetS3Uri) return [key.slice(0, -2), run.datasetS3Uri];
      throw new Error(`No value for ${key}: ${String(v)}`);
    }),
  );
}
