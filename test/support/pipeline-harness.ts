import '../../lib/tools/authorization/promise-with-resolvers';
import { locallyRunnable } from '../../cfn/jsonata-choices';
import { localStateMachine } from './local-state-machine';

type Json = Record<string, unknown>;
type Handler = (input: Json) => unknown;

/** What an execution of a training pipeline did, as the tests read it. */
export interface PipelineRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The input each Task state was called with, in call order. */
  readonly calls: Record<string, Json[]>;
  /** Objects "written" to S3 by the local jobs, by `s3://bucket/key`. */
  readonly s3: Map<string, string>;
}

/** An error with the name Step Functions would give it (`SageMaker.ThrottlingException`, ...). */
export function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** What the local SageMaker jobs produce by default: a good model, and the archive it evaluated. */
export const GOOD_EVALUATION = {
  binary_classification_metrics: {
    auc: { value: 0.97, standard_deviation: 'NaN' },
    accuracy: { value: 0.94, standard_deviation: 'NaN' },
  },
  mlenv_artifact: { sha256: 'a'.repeat(64), files_sha256: 'f'.repeat(64) },
};

/** The S3 version S3 gives the artifact Train writes (HEAD answers it). */
export const ARTIFACT_VERSION_ID = '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY';

/** What a finished training step's `.sync` task answers, by state: Train's job, or Tune's tuning job. */
export const TRAINING_ANSWERS: Record<'Train' | 'Tune', Handler> = {
  Train: (p) => ({
    TrainingJobName: p.TrainingJobName,
    TrainingJobArn: `arn:aws:sagemaker:::training-job/${p.TrainingJobName}`,
    TrainingJobStatus: 'Completed',
    ModelArtifacts: {
      S3ModelArtifacts: `${(p.OutputDataConfig as Json).S3OutputPath}${p.TrainingJobName}/output/model.tar.gz`,
    },
  }),
  // DescribeHyperParameterTuningJob of a finished tuning job: its request echoed, and its best
  // trial (named after it, `<tuning job>-NNN-<8 hex>`) with the low end of every range.
  Tune: (p) => {
    const name = String(p.HyperParameterTuningJobName);
    const config = p.HyperParameterTuningJobConfig as Json;
    const ranges = Object.values(config.ParameterRanges as Json).flat() as Json[];
    const best = `${name}-002-0123abcd`;
    return {
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: `arn:aws:sagemaker:::hyper-parameter-tuning-job/${name}`,
      HyperParameterTuningJobStatus: 'Completed',
      HyperParameterTuningJobConfig: config,
      TrainingJobDefinition: p.TrainingJobDefinition,
      BestTrainingJob: {
        TrainingJobName: best,
        TrainingJobArn: `arn:aws:sagemaker:::training-job/${best}`,
        TrainingJobStatus: 'Completed',
        TunedHyperParameters: Object.fromEntries(
          ranges.map((r) => [r.Name, String(r.MinValue ?? (r.Values as string[])[0])]),
        ),
        FinalHyperParameterTuningJobObjectiveMetric: {
          Type: (config.HyperParameterTuningJobObjective as Json).Type,
          MetricName: (config.HyperParameterTuningJobObjective as Json).MetricName,
          Value: 0.93,
        },
      },
    };
  },
};

/**
 * Runs a synthesized training pipeline definition with aws-local-stepfunctions. SageMaker jobs,
 * S3 reads, registration and SNS are answered by local handlers that behave like the services:
 * Evaluate writes evaluation.json where its output config says, ReadMetrics reads it back and
 * ReadLatestDatasetVersion reads a dataset's latest.json from `objects` (each fails with
 * S3.NoSuchKeyException when the object is not there); FindChampion lists `packages` as
 * ListModelPackages does, DescribeChampion describes one, ReadChampionMetrics reads its report
 * from `objects`. `overrides` replaces any handler.
 */
export async function runPipeline(
  definition: Json,
  input: unknown,
  options: {
    executionName?: string;
    evaluation?: unknown;
    /** Objects in S3 before the run, by `s3://bucket/key`. */
    objects?: Record<string, string>;
    /**
     * The model packages in the registry before the run, as DescribeModelPackage answers them
     * (`ModelPackageArn`, `ModelApprovalStatus`, `CreationTime` as ISO 8601, `ModelMetrics`, ...).
     */
    packages?: Json[];
    overrides?: Record<string, Handler>;
  } = {},
): Promise<PipelineRun> {
  const calls: Record<string, Json[]> = {};
  const s3 = new Map<string, string>(Object.entries(options.objects ?? {}));
  const getObject: Handler = (p) => {
    const body = s3.get(`s3://${p.Bucket}/${p.Key}`);
    if (body === undefined) throw awsError('S3.NoSuchKeyException', 'The specified key does not exist.');
    return { Body: body, ContentType: 'application/json' };
  };
  const record = (state: string, handler: Handler) => async (input: unknown) => {
    (calls[state] ??= []).push(input as Json);
    return handler(input as Json) as never;
  };
  const evaluation = options.evaluation === undefined ? GOOD_EVALUATION : options.evaluation;
  const packages = options.packages ?? [];
  const defaults: Record<string, Handler> = {
    Preprocess: (p) => ({
      ProcessingJobName: p.ProcessingJobName,
      ProcessingJobArn: `arn:aws:sagemaker:::processing-job/${p.ProcessingJobName}`,
      ProcessingJobStatus: 'Completed',
    }),
    ...TRAINING_ANSWERS,
    Evaluate: (p) => {
      const output = ((p.ProcessingOutputConfig as Json).Outputs as Json[]).find(
        (o) => o.OutputName === 'evaluation',
      );
      if (output && evaluation !== null)
        s3.set(`${(output.S3Output as Json).S3Uri}/evaluation.json`, JSON.stringify(evaluation));
      return {
        ProcessingJobName: p.ProcessingJobName,
        ProcessingJobArn: `arn:aws:sagemaker:::processing-job/${p.ProcessingJobName}`,
        ProcessingJobStatus: 'Completed',
      };
    },
    Baseline: (p) => {
      const output = ((p.ProcessingOutputConfig as Json).Outputs as Json[])[0].S3Output as Json;
      s3.set(`${output.S3Uri}/statistics.json`, '{"dataset": {"item_count": 140}}');
      s3.set(`${output.S3Uri}/constraints.json`, '{"features": []}');
      return {
        ProcessingJobName: p.ProcessingJobName,
        ProcessingJobArn: `arn:aws:sagemaker:::processing-job/${p.ProcessingJobName}`,
        ProcessingJobStatus: 'Completed',
      };
    },
    ReadLatestDatasetVersion: getObject,
    ReadMetrics: getObject,
    // ListModelPackages: the group's packages, filtered by status, sorted, at most MaxResults.
    FindChampion: (p) => {
      const group = String(p.ModelPackageGroupName);
      const listed = packages
        .filter((pkg) => String(pkg.ModelPackageArn).includes(`:model-package/${group}/`))
        .filter(
          (pkg) => p.ModelApprovalStatus === undefined || pkg.ModelApprovalStatus === p.ModelApprovalStatus,
        )
        .sort((a, b) => {
          const order = String(a.CreationTime).localeCompare(String(b.CreationTime));
          return p.SortOrder === 'Descending' ? -order : order;
        })
        .slice(0, typeof p.MaxResults === 'number' ? p.MaxResults : undefined);
      return {
        ModelPackageSummaryList: listed.map((pkg) => ({
          ModelPackageArn: pkg.ModelPackageArn,
          ModelPackageGroupName: group,
          ModelApprovalStatus: pkg.ModelApprovalStatus,
          CreationTime: pkg.CreationTime,
        })),
      };
    },
    DescribeChampion: (p) => {
      const found = packages.find((pkg) => pkg.ModelPackageArn === p.ModelPackageName);
      if (!found)
        throw awsError(
          'SageMaker.SageMakerException',
          `Model package ${String(p.ModelPackageName)} not found`,
        );
      return found;
    },
    ReadChampionMetrics: getObject,
    ReadArtifactVersion: () => ({ VersionId: ARTIFACT_VERSION_ID, ContentLength: 1024 }),
    RegisterModel: (p) => ({
      ModelPackageArn: `arn:aws:sagemaker:eu-west-1:111111111111:model-package/${p.ModelPackageGroupName}/1`,
    }),
    NotifySuccess: () => ({ MessageId: 'success' }),
    NotifyFailure: () => ({ MessageId: 'failure' }),
  };
  const handlers = Object.fromEntries(
    Object.entries({ ...defaults, ...options.overrides }).map(([state, h]) => [state, record(state, h)]),
  );

  const name = options.executionName ?? 'a3f1c2e4-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
  // Its JSONata Choice states (the input checks) are evaluated by local stand-ins.
  const runnable = locallyRunnable(definition);
  const machine = localStateMachine(runnable.definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: { ...runnable.handlers, ...handlers } as never,
      retryIntervalOverrides: {
        Preprocess: 0,
        Train: 0,
        Tune: 0,
        Evaluate: 0,
        Baseline: 0,
        ReadLatestDatasetVersion: 0,
        ReadMetrics: 0,
        ReadArtifactVersion: 0,
        RegisterModel: 0,
        FindChampion: 0,
        DescribeChampion: 0,
        ReadChampionMetrics: 0,
      },
    },
    context: {
      Execution: {
        Id: `arn:aws:states:eu-west-1:111111111111:execution:ChurnPipeline:${name}`,
        Name: name,
        Input: input as never,
        StartTime: '2026-11-30T00:00:00.000Z',
      },
    },
  });
  try {
    const output = (await execution.result) as Json;
    return { status: 'SUCCEEDED', output, calls, s3 };
  } catch (error) {
    const failure = error as Error & { cause?: { name?: string; message?: string } };
    const cause = failure.cause;
    return {
      status: 'FAILED',
      error: cause?.name ?? failure.name,
      cause: cause?.message ?? failure.message,
      calls,
      s3,
    };
  }
}
