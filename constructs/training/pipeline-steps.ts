import type { Stack } from 'aws-cdk-lib';
import { ModelLayout } from '../common/model-layout';

/** The kinds of SageMaker job a pipeline step runs. */
export type StepJobKind = 'processing' | 'training';

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
  readonly state: 'Preprocess' | 'Train' | 'Evaluate' | 'Baseline';
  readonly job: StepJobKind;
  /** Its jobs are named `<model>-<jobStep>-<run id>` (ModelLayout.jobName). */
  readonly jobStep: string;
  /** `framework`: runs a script of the source code in the model's image; `monitor`: the Model Monitor analyzer. */
  readonly image: 'framework' | 'monitor';
  readonly inputs: readonly StepChannel[];
  /** A training job has one output: the folder its artifact goes under. */
  readonly outputs: readonly StepChannel[];
  /** Where the state puts the job's name and ARN (and a training job's artifact). */
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

/** The ARN pattern of a step's jobs: `arn:...:<kind>-job/<model>-<step>-*` (the run id is known at run time). */
export function stepJobArnPattern(stack: Stack, layout: ModelLayout, step: PipelineStep): string {
  return stack.formatArn({
    service: 'sagemaker',
    resource: `${step.job}-job`,
    resourceName: `${layout.jobNamePrefix(step.jobStep)}*`,
  });
}

/**
 * The key of the artifact the Train step's job writes in the models bucket: SageMaker puts it at
 * `<output path><job name>/output/model.tar.gz` (`runId` may be `{}` or `*`).
 */
export function trainedArtifactKey(layout: ModelLayout, runId: string): string {
  const train = PIPELINE_STEPS.find((step) => step.state === 'Train')!;
  return `${layout.runDir(runId)}/${layout.jobName(train.jobStep, runId)}/output/model.tar.gz`;
}
