import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

/** A line a local job wrote, when, and on which of its outputs (when the runner tells it). */
export interface LoggedLine {
  readonly timestamp: number;
  readonly message: string;
  readonly stream?: 'stdout' | 'stderr';
}

/** Collects a job's lines as it writes them (a job runner's `onLog`). */
export class JobLines {
  public readonly lines: LoggedLine[] = [];
  public readonly onLog = (message: string, stream?: 'stdout' | 'stderr'): void => {
    this.lines.push({ timestamp: Date.now(), message, ...(stream ? { stream } : {}) });
  };
}

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

/** PutLogEvents' limits: 10,000 events and 1,048,576 bytes a call (26 bytes counted per event). */
const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** CloudWatch Logs' largest event (a longer line is cut). */
const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD;

/**
 * Writes a job's lines to its streams in CloudWatch Logs (here the emulator's), as the service
 * that ran it would: the group is created if it does not exist (a group the templates declare,
 * with its key and retention, is written into as it is), then the stream, then the events in
 * order, in as few PutLogEvents calls as the limits allow. Empty lines are left out (CloudWatch
 * Logs has no empty events).
 */
export async function writeJobLog(
  logs: Pick<CloudWatchLogsClient, 'send'>,
  destinations: readonly LogDestination[],
  lines: readonly LoggedLine[],
): Promise<void> {
  for (const destination of destinations) {
    const events = lines
      .filter((l) => l.message.trim() !== '' && (!destination.only || l.stream === destination.only))
      .map((l) => ({ timestamp: l.timestamp, message: truncate(l.message) }));
    const { logGroupName, logStreamName } = destination;
    await ignoreExisting(logs.send(new CreateLogGroupCommand({ logGroupName })));
    await ignoreExisting(logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName })));
    let batch: typeof events = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: batch }));
      batch = [];
      bytes = 0;
    };
    for (const event of events) {
      const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD;
      if (batch.length === MAX_EVENTS || bytes + size > MAX_BYTES) await flush();
      batch.push(event);
      bytes += size;
    }
    await flush();
  }
}

function truncate(message: string): string {
  const bytes = Buffer.from(message);
  return bytes.length <= MAX_EVENT_BYTES ? message : bytes.subarray(0, MAX_EVENT_BYTES).toString('utf8');
}

async function ignoreExisting(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
  }
}
