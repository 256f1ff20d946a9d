/**
 * Where AWS services write a job's log in CloudWatch Logs (SageMaker, Glue, CodeBuild): what the
 * local runners write to and what `mlenv logs` reads, locally and on AWS.
 */

/** Where a job's lines go in CloudWatch Logs, and which of them. */
export interface LogDestination {
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** @default every line */
  readonly only?: 'stdout' | 'stderr';
}

/** SageMaker's log group of training or processing jobs (each job's stream is under it). */
export const SAGEMAKER_LOG_GROUPS = {
  training: '/aws/sagemaker/TrainingJobs',
  processing: '/aws/sagemaker/ProcessingJobs',
} as const;

/**
 * Where SageMaker writes a job's log: its kind's group, the stream `<job name>/algo-1-<epoch
 * seconds of its start>` (the single instance's; SageMaker names instances algo-1, algo-2, ...).
 */
export function sagemakerJobLog(
  kind: 'training' | 'processing',
  jobName: string,
  started: Date,
): LogDestination {
  return {
    logGroupName: SAGEMAKER_LOG_GROUPS[kind],
    logStreamName: `${jobName}/algo-1-${Math.floor(started.getTime() / 1000)}`,
  };
}

/** Glue's log groups: its default ones, or `<prefix>/output` and `<prefix>/error` (`--custom-logGroup-prefix`). */
export const GLUE_LOG_GROUP_PREFIX = '/aws-glue/jobs';

/** The job argument that names a Glue job's own log groups' prefix. */
export const GLUE_LOG_GROUP_ARGUMENT = '--custom-logGroup-prefix';

/**
 * Where Glue (5.x) writes a job run's log, both in the stream named after the run's id: the
 * script's output to the output group, Spark's and the system's logs to the error group. Locally
 * Spark's log4j writes on the script's stderr, so the two cannot be told apart: stdout goes to the
 * output group and stderr (Spark's logs, and the script's own errors and tracebacks) to the error
 * group, each line once.
 */
export function glueJobRunLogs(
  runArguments: Readonly<Record<string, string>>,
  runId: string,
): LogDestination[] {
  const prefix = runArguments[GLUE_LOG_GROUP_ARGUMENT] ?? GLUE_LOG_GROUP_PREFIX;
  return [
    { logGroupName: `${prefix}/output`, logStreamName: runId, only: 'stdout' },
    { logGroupName: `${prefix}/error`, logStreamName: runId, only: 'stderr' },
  ];
}

/**
 * Where CodeBuild writes a build's log: the project's `LogsConfig.CloudWatchLogs` group (by
 * default `/aws/codebuild/<project>`), the stream named after the build id without its
 * `<project>:` prefix, under the configured stream name prefix if there is one.
 */
export function codeBuildLog(
  project: string,
  buildId: string,
  cloudWatchLogs: { readonly GroupName?: unknown; readonly StreamName?: unknown } | undefined,
): LogDestination {
  const id = buildId.startsWith(`${project}:`) ? buildId.slice(project.length + 1) : buildId;
  const group =
    typeof cloudWatchLogs?.GroupName === 'string' ? cloudWatchLogs.GroupName : `/aws/codebuild/${project}`;
  const prefix = typeof cloudWatchLogs?.StreamName === 'string' ? `${cloudWatchLogs.StreamName}/` : '';
  return { logGroupName: group, logStreamName: `${prefix}${id}` };
}
