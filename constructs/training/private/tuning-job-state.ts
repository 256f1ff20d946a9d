import { Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type TuningOptions, type TuningRange, TuningStrategy } from '../tuning';
import { type JobDefaults, type TrainingJobStateProps, trainingJobRequest } from './sagemaker-job-states';

export interface TuningJobStateProps extends Omit<TrainingJobStateProps, 'jobName'> {
  // `timeout`: the whole tuning job's (`tuningTimeout` of a trial's).
  /** JSONPath intrinsic that gives the tuning job's name (at most 32 characters). */
  readonly tuningJobName: string;
  readonly tuning: TuningOptions;
}

/**
 * A `createHyperParameterTuningJob.sync` task whose trials are the training job `Train` would run
 * (the same request, from `trainingJobRequest`), with the searched hyperparameters taken out of its
 * static ones. Its result, at `resultPath`, has what Train's has (`jobName`, `jobArn`,
 * `modelArtifacts`: the best trial's), and the tuning job and winning hyperparameters besides. The
 * `.sync` answer is DescribeHyperParameterTuningJob's, which holds no artifact URI: SageMaker writes
 * a trial's model to `<S3OutputPath><trial name>/output/model.tar.gz`. Trials get no checkpoint
 * location: whether SageMaker keeps parallel trials' checkpoints apart is not documented.
 */
export function tuningJobState(
  scope: Construct,
  id: string,
  job: JobDefaults,
  props: TuningJobStateProps,
): sfn.CustomState {
  const { tuning } = props;
  const {
    HyperParameters,
    CheckpointConfig: _none,
    ...definition
  } = trainingJobRequest(Stack.of(scope), job, props) as {
    HyperParameters: Record<string, string>;
    CheckpointConfig?: unknown;
  };
  const searched = new Set(Object.keys(tuning.ranges));
  const strategy = tuning.strategy ?? TuningStrategy.BAYESIAN;
  return new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Stack.of(scope).partition}:states:::sagemaker:createHyperParameterTuningJob.sync`,
      Parameters: {
        'HyperParameterTuningJobName.$': props.tuningJobName,
        HyperParameterTuningJobConfig: {
          Strategy: strategy,
          ...(tuning.hyperband
            ? {
                StrategyConfig: {
                  HyperbandStrategyConfig: {
                    MinResource: tuning.hyperband.minResource,
                    MaxResource: tuning.hyperband.maxResource,
                  },
                },
              }
            : {}),
          HyperParameterTuningJobObjective: {
            Type: tuning.objective.direction,
            MetricName: tuning.objective.metric,
          },
          ResourceLimits: {
            MaxNumberOfTrainingJobs: tuning.maxJobs,
            MaxParallelTrainingJobs: tuning.maxParallelJobs,
          },
          ParameterRanges: parameterRanges(tuning.ranges),
          TrainingJobEarlyStoppingType: tuning.earlyStopping ? 'Auto' : 'Off',
        },
        TrainingJobDefinition: {
          StaticHyperParameters: Object.fromEntries(
            Object.entries(HyperParameters).filter(([name]) => !searched.has(name)),
          ),
          ...definition,
        },
      },
      ResultSelector: {
        'jobName.$': '$.BestTrainingJob.TrainingJobName',
        'jobArn.$': '$.BestTrainingJob.TrainingJobArn',
        'modelArtifacts.$':
          "States.Format('{}{}/output/model.tar.gz', $.TrainingJobDefinition.OutputDataConfig.S3OutputPath, $.BestTrainingJob.TrainingJobName)",
        'tuningJobName.$': '$.HyperParameterTuningJobName',
        'tuningJobArn.$': '$.HyperParameterTuningJobArn',
        'tunedHyperParameters.$': '$.BestTrainingJob.TunedHyperParameters',
        'objective.$': '$.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric',
      },
      ResultPath: props.resultPath,
      TimeoutSeconds: props.timeout.toSeconds(),
    },
  });
}

/**
 * The task's time limit: a trial's (its runtime or spot wait, plus provisioning) for each wave of
 * parallel trials, since SageMaker runs at most `maxParallelJobs` at a time.
 */
export function tuningTimeout(trialTimeout: Duration, tuning: TuningOptions): Duration {
  return Duration.seconds(trialTimeout.toSeconds() * Math.ceil(tuning.maxJobs / tuning.maxParallelJobs));
}

/** `ParameterRanges` as the API takes them: every bound and value a string. */
function parameterRanges(ranges: Readonly<Record<string, TuningRange>>) {
  const of = (type: TuningRange['type']) =>
    Object.entries(ranges).filter((entry): entry is [string, TuningRange] => entry[1].type === type);
  const numeric = (type: 'integer' | 'continuous') =>
    of(type).map(([name, range]) => {
      const r = range as Extract<TuningRange, { type: typeof type }>;
      return {
        Name: name,
        MinValue: String(r.min),
        MaxValue: String(r.max),
        ScalingType: r.scaling ?? 'Auto',
      };
    });
  return {
    IntegerParameterRanges: numeric('integer'),
    ContinuousParameterRanges: numeric('continuous'),
    CategoricalParameterRanges: of('categorical').map(([name, range]) => ({
      Name: name,
      Values: (range as Extract<TuningRange, { type: 'categorical' }>).values.map(String),
    })),
  };
}
