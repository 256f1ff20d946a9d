import '../../lib/tools/authorization/promise-with-resolvers';
import {
  CreateHyperParameterTuningJobCommand,
  type CreateTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JsonObject } from '../../cfn/json-values';
import { environments } from '../../config/environments';
import type { CreateTrainingJobRequest, TrainingJobDescription } from '../../lib/jobs/job-requests';
import type { LocalJobOptions } from '../../lib/jobs/job-options';
import { MemoryObjectStore } from '../../lib/ops/memory-object-store';
import type {
  IntegrationClients,
  IntegrationRecord,
  LocalTask,
} from '../../lib/tools/integrations/task-integration';
import type { TuningJobDescription } from '../../lib/tools/integrations/tuning-job/tuning-description';

/**
 * A Tune state's task as issue 30's contract renders it, and a fake local environment to answer
 * it in: what a tuning job's local run is tested with (its trials' training stands in, or runs).
 */
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const OBJECTIVE = 'validation:auc';

/** A tuning job name as the Tune state makes it: `<model>-tune-<hex>`, at most 32 characters. */
export const tuningName = (model: string) =>
  `${model}-tune-${'0123456789abcdef'.repeat(2).slice(0, 32 - model.length - 6)}`;
/** Every configured model, and the longest name a model may have (18 characters). */
export const MODELS = [...environments.models.map((m) => m.name), 'm'.repeat(18)];

/** The Tune state's parameters, resolved, as the contract renders them. */
export function tuneParameters(
  model: string,
  options: { type?: 'Maximize' | 'Minimize'; maxJobs?: number } = {},
): JsonObject {
  return {
    HyperParameterTuningJobName: tuningName(model),
    HyperParameterTuningJobConfig: {
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: options.type ?? 'Maximize', MetricName: OBJECTIVE },
      ResourceLimits: { MaxNumberOfTrainingJobs: options.maxJobs ?? 4, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [{ Name: 'max-depth', MinValue: '2', MaxValue: '5', ScalingType: 'Auto' }],
        ContinuousParameterRanges: [
          { Name: 'learning-rate', MinValue: '0.02', MaxValue: '0.3', ScalingType: 'Logarithmic' },
        ],
        CategoricalParameterRanges: [{ Name: 'loss', Values: ['log_loss', 'exponential'] }],
      },
      TrainingJobEarlyStoppingType: 'Auto',
    },
    TrainingJobDefinition: {
      StaticHyperParameters: {
        'n-estimators': '100',
        'target-column': 'target',
        sagemaker_program: 'train.py',
      },
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${model}-training`,
      AlgorithmSpecification: {
        TrainingImage: 'image',
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: OBJECTIVE, Regex: 'validation:auc=([0-9.]+)' }],
      },
      InputDataConfig: [
        {
          ChannelName: 'train',
          DataSource: { S3DataSource: { S3Uri: 's3://data/train/', S3DataType: 'S3Prefix' } },
        },
      ],
      OutputDataConfig: { S3OutputPath: `s3://artifacts/${model}/training/run-1/`, KmsKeyId: 'key' },
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      EnableManagedSpotTraining: false,
    },
    Tags: [{ Key: 'model', Value: model }],
  };
}

/** The Tune state's ResultSelector, as the contract writes it. */
export const RESULT_SELECTOR = {
  'jobName.$': '$.BestTrainingJob.TrainingJobName',
  'jobArn.$': '$.BestTrainingJob.TrainingJobArn',
  'modelArtifacts.$':
    "States.Format('{}{}/output/model.tar.gz', $.TrainingJobDefinition.OutputDataConfig.S3OutputPath, $.BestTrainingJob.TrainingJobName)",
  'tuningJobName.$': '$.HyperParameterTuningJobName',
  'tuningJobArn.$': '$.HyperParameterTuningJobArn',
  'tunedHyperParameters.$': '$.BestTrainingJob.TunedHyperParameters',
  'objective.$': '$.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric',
};

/** What a fake local environment saw of the task. */
export interface Seen {
  readonly sent: Array<{ command: string; input: Record<string, unknown> }>;
  readonly submitted: JsonObject[];
  readonly recordedJobs: TrainingJobDescription[];
  readonly recordedTuningJobs: TuningJobDescription[];
  readonly logs: Array<{ stream: string; lines: string[] }>;
  readonly ran: CreateTrainingJobRequest[];
  readonly record: IntegrationRecord;
  readonly store: MemoryObjectStore;
}

export function fakeTask(): { task: LocalTask; seen: Seen } {
  const store = new MemoryObjectStore();
  const seen: Seen = {
    sent: [],
    submitted: [],
    recordedJobs: [],
    recordedTuningJobs: [],
    logs: [],
    ran: [],
    record: { jobs: {}, tuningJobs: {}, published: [], registered: [] },
    store,
  };
  const sagemaker = {
    send: async (command: CreateHyperParameterTuningJobCommand | CreateTrainingJobCommand) => {
      const input = command.input as unknown as Record<string, unknown>;
      seen.sent.push({ command: command.constructor.name, input });
      return command instanceof CreateHyperParameterTuningJobCommand
        ? {
            HyperParameterTuningJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:hyper-parameter-tuning-job/${String(input.HyperParameterTuningJobName)}`,
          }
        : {
            TrainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${String(input.TrainingJobName)}`,
          };
    },
  };
  const log = async (
    destinations: readonly { logStreamName: string }[],
    lines: { lines: { message: string }[] },
  ) => {
    for (const d of destinations)
      seen.logs.push({ stream: d.logStreamName, lines: lines.lines.map((l) => l.message) });
  };
  const task: LocalTask = {
    state: 'Tune',
    api: 'sagemaker:createHyperParameterTuningJob',
    clients: { sagemaker } as unknown as IntegrationClients,
    record: seen.record,
    awsEnvironment: {},
    submitted: (output) => seen.submitted.push(output),
    localResource: () => {
      throw new Error('no resources here');
    },
    jobOptions: (lines): LocalJobOptions => ({ store, region: REGION, onLog: lines.onLog }),
    keepLog: log,
    writeLog: log,
    keep: async (_what, recording) => {
      await recording();
    },
    recordJob: async (_kind, description) => {
      seen.recordedJobs.push(description as TrainingJobDescription);
    },
    recordTuningJob: async (description) => {
      seen.recordedTuningJobs.push(description as TuningJobDescription);
    },
    localBuildInputs: async () => ({}),
    startExecution: () => Promise.reject(new Error('no child executions here')),
  };
  return { task, seen };
}

/** The state's result as Step Functions selects it: the output through the contract's ResultSelector. */
export async function selected(output: JsonObject): Promise<JsonObject> {
  const machine = new StateMachine(
    {
      StartAt: 'Tune',
      States: {
        Tune: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
          ResultSelector: RESULT_SELECTOR,
          ResultPath: '$.train',
          End: true,
        },
      },
    } as never,
    { validationOptions: { checkArn: false } },
  );
  const run = machine.run({} as never, {
    overrides: { taskResourceLocalHandlers: { Tune: async () => output } } as never,
  });
  return ((await run.result) as { train: JsonObject }).train;
}
