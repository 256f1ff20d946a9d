import type { Stack } from 'aws-cdk-lib';
import { ModelLayout } from '../common/model-layout';

/** The kinds of SageMaker job a pipeline step runs. */
export type StepJobKind = 'processing' | 'training' | 'tuning';

/** The resource type of each kind's ARNs (`arn:...:sagemaker:...:<type>/<name>`). */
export const JOB_ARN_TYPES: { readonly [kind in StepJobKind]: string } = {
  processing: 'processing-job',
  training: 'training-job',
  tuning: 'hyper-parameter-tuning-job',
};

/**
 * Where a step reads or writes: the dataset the execution names, the artifact of the Train step,
 * or a key of the curated or models bucket under the run (`runId` is `{}` in the definition).
 */
export type StepLocation =
  | { readonly from: 'dataset' }
  | { readonly from: 'modelArtifact' }
  | { readonly bucket: 'curated' | 'models'; readonly key: (layout: ModelLayout, runId: string) => string };

/** An input or output of a step's job: a processing input/output, or a training channel. */
export interface StepChannel {
  readonly name: string;
  readonly location: StepLocation;
  /** Where a processing job's container sees it (training channels are under /opt/ml/input/data). */
  readonly localPath?: string;
}

/** One SageMaker job of the training pipeline. */
export interface PipelineStep {
  /** The id of its state in the state machine. */
  readonly state: 'Preprocess' | 'Train' | 'Tune' | 'Evaluate' | 'Baseline';
  readonly job: StepJobKind;
  /** Its jobs are named `<model>-<jobStep>-<run id>` (ModelLayout.jobName). */
  readonly jobStep: string;
  /** `framework`: runs a script of the source code in the model's image; `monitor`: the Model Monitor analyzer. */
  readonly image: 'framework' | 'monitor';
  readonly inputs: readonly StepChannel[];
  /** A training job has one output: the folder its artifact goes under. */
  readonly outputs: readonly StepChannel[];
  /** Where the state puts the job's name and ARN (and a training or tuning job's artifact). */
  readonly resultPath: string;
}

/** An input that reads a folder: its objects, not those of a sibling with a longer name. */
const folder =
  (key: (layout: ModelLayout, runId: string) => string) => (layout: ModelLayout, runId: string) =>
    `${key(layout, runId)}/`;

/**
 * The steps of the training pipeline, in the order they run. The states, the state machine's job
 * permissions and the compliance acknowledgements of job names are all derived from this list.
 */
export const PIPELINE_STEPS: readonly PipelineStep[] = [
  {
    state: 'Preprocess',
    job: 'processing',
    jobStep: 'preprocess',
    image: 'framework',
    inputs: [{ name: 'raw', location: { from: 'dataset' }, localPath: '/opt/ml/processing/input/raw' }],
    outputs: ModelLayout.SPLITS.map((split) => ({
      name: split,
      location: { bucket: 'curated', key: (layout, run) => layout.splitDir(run, split) },
      localPath: `/opt/ml/processing/output/${split}`,
    })),
    resultPath: '$.preprocess',
  },
  {
    state: 'Train',
    job: 'training',
    jobStep: 'train',
    image: 'framework',
    inputs: (['train', 'validation'] as const).map((split) => ({
      name: split,
      location: { bucket: 'curated', key: folder((layout, run) => layout.splitDir(run, split)) },
    })),
    // SageMaker writes the artifact to <output path><job name>/output/model.tar.gz.
    outputs: [
      { name: 'model', location: { bucket: 'models', key: folder((layout, run) => layout.runDir(run)) } },
    ],
    resultPath: '$.train',
  },
  {
    state: 'Evaluate',
    job: 'processing',
    jobStep: 'evaluate',
    image: 'framework',
    inputs: [
      { name: 'model', location: { from: 'modelArtifact' }, localPath: '/opt/ml/processing/model' },
      {
        name: 'test',
        location: { bucket: 'curated', key: folder((layout, run) => layout.splitDir(run, 'test')) },
        localPath: '/opt/ml/processing/test',
      },
    ],
    outputs: [
      {
        name: 'evaluation',
        location: { bucket: 'models', key: (layout, run) => layout.evaluationDir(run) },
        localPath: '/opt/ml/processing/evaluation',
      },
    ],
    resultPath: '$.evaluate',
  },
  {
    // Data-quality baseline of the training features (statistics.json, constraints.json next to
    // the model), recorded in the package for drift monitoring.
    state: 'Baseline',
    job: 'processing',
    jobStep: 'baseline',
    image: 'monitor',
    inputs: [
      {
        name: 'baseline_dataset_input',
        location: { bucket: 'curated', key: folder((layout, run) => layout.splitDir(run, 'baseline')) },
        localPath: '/opt/ml/processing/input/baseline_dataset_input',
      },
    ],
    outputs: [
      {
        name: 'monitoring_output',
        location: { bucket: 'models', key: (layout, run) => layout.baselineDir(run) },
        localPath: '/opt/ml/processing/output',
      },
    ],
    resultPath: '$.baseline',
  },
];

/**
 * The step that tunes instead of `Train`: a tuning job whose trials are Train's job with sampled
 * hyperparameters, its result where Train's goes (the best trial's name, ARN and artifact), so the
 * steps after it do not change. Tuning job names are at most 32 characters (ModelLayout.tuningJobName).
 */
export const TUNE_STEP: PipelineStep = {
  ...PIPELINE_STEPS.find((step) => step.state === 'Train')!,
  state: 'Tune',
  job: 'tuning',
  jobStep: 'tune',
};

/** Every step a pipeline may have, tuned or not: what names and logs of any model's jobs are read by. */
export const EVERY_PIPELINE_STEP: readonly PipelineStep[] = [...PIPELINE_STEPS, TUNE_STEP];

/** The steps of a model's pipeline, in order: `PIPELINE_STEPS`, with `Tune` for `Train` when it tunes. */
export function pipelineSteps(tuned: boolean): readonly PipelineStep[] {
  return tuned ? PIPELINE_STEPS.map((step) => (step.state === 'Train' ? TUNE_STEP : step)) : PIPELINE_STEPS;
}

/** The step whose job's model goes on to evaluation: `Train`, or `Tune` (its best trial's). */
export function modelStep(tuned: boolean): PipelineStep {
  return pipelineSteps(tuned).find((step) => step.outputs.some((o) => o.name === 'model'))!;
}

/** The ARN pattern of a step's jobs: `arn:...:<kind>-job/<model>-<step>-*` (the run id is known at run time). */
export function stepJobArnPattern(stack: Stack, layout: ModelLayout, step: PipelineStep): string {
  return stack.formatArn({
    service: 'sagemaker',
    resource: JOB_ARN_TYPES[step.job],
    resourceName: `${layout.jobNamePrefix(step.jobStep)}*`,
  });
}

/**
 * The ARN patterns of the jobs a step runs as SageMaker jobs of its own: a tuning step's trials are
 * training jobs whose names start with the tuning job's (CreateHyperParameterTuningJob: "the prefix
 * for the names of all training jobs that this tuning job launches").
 */
export function stepJobArnPatterns(stack: Stack, layout: ModelLayout, step: PipelineStep): string[] {
  const own = stepJobArnPattern(stack, layout, step);
  if (step.job !== 'tuning') return [own];
  return [own, stepJobArnPattern(stack, layout, { ...step, job: 'training' })];
}

/**
 * The key of the model a run's training (or best trial) job `jobName` writes in the models bucket:
 * SageMaker puts it at `<output path><job name>/output/model.tar.gz` (`runId` and `jobName` may be
 * `{}` or `*`).
 */
export function trainedArtifactKey(layout: ModelLayout, runId: string, jobName: string): string {
  return `${layout.runDir(runId)}/${jobName}/output/model.tar.gz`;
}

/** The keys of every run's trained model of a pipeline (that tunes, or not). */
export function trainedArtifactKeyPattern(layout: ModelLayout, tuned: boolean): string {
  return trainedArtifactKey(layout, '*', `${layout.jobNamePrefix(modelStep(tuned).jobStep)}*`);
}
