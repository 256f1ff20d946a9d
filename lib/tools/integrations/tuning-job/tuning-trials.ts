import {
  CreateHyperParameterTuningJobCommand,
  type CreateHyperParameterTuningJobCommandInput,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
} from '@aws-sdk/client-sagemaker';
import { asObject, type JsonObject } from '../../../../cfn/json-values';
import { TUNING_OBJECTIVE_HYPERPARAMETER } from '../../../../constructs';
import type { CreateTrainingJobRequest, TrainingJobDescription } from '../../../jobs/job-requests';
import type { LocalJobOptions, LocalJobRun } from '../../../jobs/job-options';
import type { LocalTask } from '../task-integration';
import { runLocalJob } from '../sagemaker-job/local-job';
import { TaskFailedError } from '../sagemaker-job/sync-task';
import { type ParameterRanges, sampleTrials } from './sampling';
import { trialRequest } from './trial-definitions';
import {
  bestTrial,
  type TrialSummary,
  trialName,
  trialSummary,
  type TuningJobDescription,
  type TuningObjective,
  tuningJobDescription,
} from './tuning-description';

/** How a trial's training job runs here (`runTrainingJob`, or a test's stand-in). */
export type TrialRunner = (
  request: CreateTrainingJobRequest,
  options: LocalJobOptions,
  onStopped: (description: TrainingJobDescription) => Promise<unknown>,
) => Promise<LocalJobRun<TrainingJobDescription>>;

// SageMaker adds it to every trial (the training toolkit does not pass it to the script).
export { TUNING_OBJECTIVE_HYPERPARAMETER };

/**
 * A `createHyperParameterTuningJob.sync` task answered here: the tuning job is created in the
 * emulator's SageMaker, then its `MaxNumberOfTrainingJobs` trials run one after another with
 * `runTrial`, each a training job of the `TrainingJobDefinition` named `<tuning job>-NNN-<hex>`,
 * its hyperparameters the static ones, the sampled ranges (sampling.ts) and
 * `_tuning_objective_metric`, created in the emulator, logged and recorded (with its `TuningJobArn`)
 * as Train's job is. A trial that fails is recorded and the next one runs. The best trial is the
 * completed one with the best objective (read from its `FinalMetricDataList`); the tuning job's
 * description is recorded over the emulator's and answered as `.sync` does, or, with no trial
 * that succeeded, the task fails with it as its cause. An interrupt during a trial records that
 * trial and the tuning job `Stopped`.
 */
export async function runTuningTrials(
  task: LocalTask,
  parameters: JsonObject,
  runTrial: TrialRunner,
): Promise<JsonObject> {
  const request = tuningRequest(parameters);
  const { name, definition, objective, maxJobs } = request;
  // A range SageMaker would refuse fails the task before anything is created.
  const sampled = sampleTrials(request.ranges, maxJobs, name);
  const created = await task.clients.sagemaker.send(
    new CreateHyperParameterTuningJobCommand(
      parameters as unknown as CreateHyperParameterTuningJobCommandInput,
    ),
  );
  const arn = created.HyperParameterTuningJobArn;
  if (!arn) throw new Error(`the emulator's SageMaker gave no ARN for the tuning job ${name}`);
  task.submitted({ HyperParameterTuningJobArn: arn });

  const createdAt = new Date();
  const notes = localNotes(request.config);
  const trials: TrialSummary[] = [];
  const runs: Array<LocalJobRun<TrainingJobDescription>> = [];
  const describe = (phase: 'running' | 'stopped' | 'ended'): TuningJobDescription =>
    tuningJobDescription({
      name,
      arn,
      parameters: { HyperParameterTuningJobConfig: request.config, TrainingJobDefinition: definition },
      objective,
      created: createdAt,
      trials,
      phase,
    });
  for (const [i, tuned] of sampled.entries()) {
    const request = trialRequest(definition, trialName(name, i + 1), {
      ...tuned,
      [TUNING_OBJECTIVE_HYPERPARAMETER]: objective.MetricName,
    }) as unknown as CreateTrainingJobRequest;
    // Tags given to the tuning job are added to its training jobs (CreateHyperParameterTuningJob's documentation).
    await task.clients.sagemaker.send(
      new CreateTrainingJobCommand({
        ...request,
        ...(parameters.Tags ? { Tags: parameters.Tags } : {}),
      } as unknown as CreateTrainingJobCommandInput),
    );
    // DescribeHyperParameterTuningJob says what runs (moto made its tuning job up Completed).
    await task.keep(`the tuning job ${name}`, () => task.recordTuningJob(describe('running')));
    const ofTuningJob = (trial: TrainingJobDescription): TrainingJobDescription => ({
      ...trial,
      TuningJobArn: arn,
    });
    const run = await runLocalJob<TrainingJobDescription>(
      task,
      'training',
      async (lines, onStopped) => {
        const options = task.jobOptions(lines, task.python);
        // Said once, in the first trial's log (where a reader of the tuning job's logs starts).
        if (i === 0) for (const note of notes) options.onLog?.(`mlenv local tuning: ${note}`);
        const job = await runTrial(request, options, (stopped) => onStopped(ofTuningJob(stopped)));
        return { ...job, description: ofTuningJob(job.description) };
      },
      async (stopped) => {
        trials.push(trialSummary(stopped, name, tuned, objective));
        await task.recordTuningJob(describe('stopped'));
      },
    );
    runs.push(run);
    trials.push(trialSummary(run.description, name, tuned, objective));
  }

  const description = describe('ended');
  const best = bestTrial(trials, objective);
  // The state's job in the run's record: the trial whose model the run goes on with (else the last).
  task.record.jobs[task.state] = runs[best ? trials.indexOf(best) : runs.length - 1];
  task.record.tuningJobs[task.state] = { description, trials, notes };
  await task.keep(`the tuning job ${name}`, () => task.recordTuningJob(description));
  const output = JSON.parse(JSON.stringify(description)) as JsonObject;
  if (description.HyperParameterTuningJobStatus !== 'Completed')
    throw new TaskFailedError(JSON.stringify(output));
  return output;
}

interface TuningRequest {
  readonly name: string;
  readonly config: JsonObject;
  readonly definition: JsonObject;
  readonly objective: TuningObjective;
  readonly maxJobs: number;
  readonly ranges: ParameterRanges;
}

/** What the local run needs of a CreateHyperParameterTuningJob request; what it lacks is one line naming it. */
function tuningRequest(parameters: JsonObject): TuningRequest {
  const name = parameters.HyperParameterTuningJobName;
  if (typeof name !== 'string' || name === '')
    throw new Error('the tuning job has no HyperParameterTuningJobName');
  const config = asObject(parameters.HyperParameterTuningJobConfig);
  if (!config) throw new Error(`the tuning job ${name} has no HyperParameterTuningJobConfig`);
  const definition = asObject(parameters.TrainingJobDefinition);
  if (!definition) {
    throw new Error(
      `the tuning job ${name} has no TrainingJobDefinition` +
        (parameters.TrainingJobDefinitions ? ' (several TrainingJobDefinitions are not run locally)' : ''),
    );
  }
  const objective = asObject(config.HyperParameterTuningJobObjective);
  if (
    !objective ||
    (objective.Type !== 'Maximize' && objective.Type !== 'Minimize') ||
    typeof objective.MetricName !== 'string'
  ) {
    throw new Error(
      `the tuning job ${name} has no HyperParameterTuningJobConfig.HyperParameterTuningJobObjective {Type: Maximize|Minimize, MetricName}: the local run chooses its best trial by it`,
    );
  }
  const maxJobs = asObject(config.ResourceLimits)?.MaxNumberOfTrainingJobs;
  if (typeof maxJobs !== 'number' || !Number.isInteger(maxJobs) || maxJobs < 1) {
    throw new Error(
      `the tuning job ${name} has no HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs (an integer >= 1): the local run runs that many trials`,
    );
  }
  return {
    name,
    config,
    definition,
    objective: { Type: objective.Type, MetricName: objective.MetricName },
    maxJobs,
    ranges: (asObject(config.ParameterRanges) ?? {}) as ParameterRanges,
  };
}

/** What the local run does not do as SageMaker would, said once in the run's log. */
function localNotes(config: JsonObject): string[] {
  const strategy = String(config.Strategy ?? 'Bayesian');
  const parallel = asObject(config.ResourceLimits)?.MaxParallelTrainingJobs;
  const limit = asObject(config.ResourceLimits)?.MaxRuntimeInSeconds;
  return [
    strategy === 'Random'
      ? 'the ranges are sampled at random, as the Random strategy does, seeded from the tuning job name'
      : strategy === 'Hyperband'
        ? 'Hyperband is not modelled locally: trials are sampled at random (seeded from the tuning job name) and none is stopped early; every trial runs to its end'
        : `the ranges are sampled at random, seeded from the tuning job name; SageMaker's ${strategy} strategy chooses each trial from the previous ones`,
    ...(config.TrainingJobEarlyStoppingType === 'Auto'
      ? [
          'early stopping (TrainingJobEarlyStoppingType Auto) is not modelled locally: every trial runs to its end',
        ]
      : []),
    ...(typeof parallel === 'number' && parallel > 1
      ? [`MaxParallelTrainingJobs is ${parallel}: locally the trials run one after another`]
      : []),
    ...(typeof limit === 'number'
      ? [
          `ResourceLimits.MaxRuntimeInSeconds (${limit}) is not enforced locally; each trial keeps its own StoppingCondition`,
        ]
      : []),
  ];
}
