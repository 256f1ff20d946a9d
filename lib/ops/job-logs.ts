import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type LogStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetJobCommand, type GlueClient } from '@aws-sdk/client-glue';
import {
  DescribeHyperParameterTuningJobCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { EVERY_PIPELINE_STEP as JOB_STEPS, ModelLayout, TUNE_STEP } from '../../constructs';
import {
  codeBuildLog,
  GLUE_LOG_GROUP_ARGUMENT as GLUE_PREFIX_ARGUMENT,
  GLUE_LOG_GROUP_PREFIX as GLUE_PREFIX,
  SAGEMAKER_LOG_GROUPS,
} from './job-log-locations';
import type { EnvironmentDirectory } from './environment-directory';
import { executionHistory } from './training-runs';

/** SageMaker's log groups of training and processing jobs (a job's streams start with `<job name>/`). */
const SAGEMAKER_GROUPS = {
  'training job': SAGEMAKER_LOG_GROUPS.training,
  'processing job': SAGEMAKER_LOG_GROUPS.processing,
} as const;

export interface JobLogsClients {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly glue: Pick<GlueClient, 'send'>;
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
}

/** A job and where its log is: the streams of a group whose names start with a prefix. */
export interface JobLog {
  readonly kind: 'training job' | 'processing job' | 'Glue job run' | 'CodeBuild build';
  /** The job's name (a Glue run's or a build's id). */
  readonly name: string;
  /** The Task state that ran it, and the execution it is in (none for a job asked by name). */
  readonly state?: string;
  readonly executionArn?: string;
  readonly streams: ReadonlyArray<{ readonly logGroupName: string; readonly logStreamNamePrefix: string }>;
}

/** A job's log as read: each stream's events, in order. */
export interface JobLogEvents extends JobLog {
  readonly events: ReadonlyArray<{
    readonly logGroupName: string;
    readonly logStreamName: string;
    readonly timestamp: number;
    readonly message: string;
  }>;
}

/**
 * The kind of job a name is in an environment: a job of one of its models' pipeline steps
 * (`<model>-<step>-<run id>`, ModelLayout.jobName), or undefined (another team's job, another
 * environment's model, a name of no pipeline).
 */
export function pipelineJobKind(
  directory: Pick<EnvironmentDirectory, 'models'>,
  name: string,
): 'training job' | 'processing job' | undefined {
  for (const model of Object.keys(directory.models)) {
    for (const step of JOB_STEPS) {
      const prefix = new ModelLayout(model).jobNamePrefix(step.jobStep);
      // A tuning step's jobs with logs are its trials: training jobs named after it.
      if (name.startsWith(prefix) && name.length > prefix.length)
        return step.job === 'processing' ? 'processing job' : 'training job';
    }
  }
  return undefined;
}

/**
 * What `mlenv logs` was asked for: an execution (its ARN, or its name: an execution of a model's
 * training or data pipeline), or a SageMaker training or processing job by name, only one of the
 * environment's models' pipeline jobs (a name of another job is refused before any is described).
 */
export async function resolveLogTarget(
  clients: JobLogsClients,
  directory: EnvironmentDirectory,
  target: string,
): Promise<{ readonly executionArn: string } | { readonly job: JobLog }> {
  if (/^arn:[\w-]+:states:[^:]+:\d{12}:execution:/.test(target))
    return { executionArn: environmentExecution(directory, target) };
  for (const model of Object.values(directory.models)) {
    for (const stateMachineArn of [model.pipelineArn, model.dataPipelineArn]) {
      if (!stateMachineArn) continue;
      let token: string | undefined;
      do {
        const page = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken: token }));
        const found = page.executions?.find((e) => e.name === target);
        if (found?.executionArn) return { executionArn: found.executionArn };
        token = page.nextToken;
      } while (token);
    }
  }
  const kind = pipelineJobKind(directory, target);
  if (kind === undefined) {
    const steps = JOB_STEPS.map((s) => s.jobStep).join('|');
    throw new Error(
      `${target} is neither an execution of ${directory.environment}'s pipelines nor a job of its models (${Object.keys(directory.models).join(', ') || 'none'}), whose jobs are named <model>-<${steps}>-<run id>`,
    );
  }
  // A tuning job has no log of its own: its trials' (training jobs named after it) are its log.
  const tuning = Object.keys(directory.models).some((model) =>
    target.startsWith(new ModelLayout(model).jobNamePrefix(TUNE_STEP.jobStep)),
  );
  if (tuning && (await tuningJobExists(clients.sagemaker, target))) {
    return {
      job: {
        kind,
        name: target,
        streams: [{ logGroupName: SAGEMAKER_GROUPS[kind], logStreamNamePrefix: `${target}-` }],
      },
    };
  }
  if (await jobExists(clients.sagemaker, kind, target)) {
    return {
      job: {
        kind,
        name: target,
        streams: [{ logGroupName: SAGEMAKER_GROUPS[kind], logStreamNamePrefix: `${target}/` }],
      },
    };
  }
  throw new Error(`no execution of ${directory.environment}'s pipelines and no ${kind} is named ${target}`);
}

/** Whether `name` is a tuning job SageMaker knows (an unknown one is a ResourceNotFound). */
async function tuningJobExists(sagemaker: JobLogsClients['sagemaker'], name: string): Promise<boolean> {
  // A trial's name (`<tuning job>-NNN-<hex>`) is a training job's: not described as a tuning job.
  if (/-\d{3}-[0-9a-f]{8}$/.test(name)) return false;
  try {
    await sagemaker.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    return true;
  } catch (error) {
    const { name: errorName, message } = error as Error;
    if (/ResourceNotFound|ValidationException/.test(errorName) || /could not find/i.test(message))
      return false;
    throw error;
  }
}

async function jobExists(
  sagemaker: JobLogsClients['sagemaker'],
  kind: 'training job' | 'processing job',
  name: string,
): Promise<boolean> {
  try {
    if (kind === 'training job')
      await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    else await sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    return true;
  } catch (error) {
    // SageMaker answers an unknown job with ValidationException ("Could not find ...").
    if ((error as Error).name === 'ValidationException' || /could not find/i.test((error as Error).message))
      return false;
    throw error;
  }
}

/**
 * `executionArn` when it is an execution of one of the environment's models' pipelines (its
 * state machine's ARN with `:execution:` for `:stateMachine:`, then `:<name>`); else an Error
 * naming them: an ARN given, or named in a history, is another team's or another environment's.
 */
export function environmentExecution(
  directory: Pick<EnvironmentDirectory, 'environment' | 'models'>,
  executionArn: string,
): string {
  const stateMachines = Object.values(directory.models).flatMap((m) =>
    [m.pipelineArn, m.dataPipelineArn ?? []].flat(),
  );
  const belongs = stateMachines.some((arn) =>
    executionArn.startsWith(`${arn.replace(':stateMachine:', ':execution:')}:`),
  );
  if (belongs) return executionArn;
  const names = stateMachines.map((arn) => arn.split(':').pop()).join(', ') || 'none';
  throw new Error(`${executionArn} is not an execution of ${directory.environment}'s pipelines (${names})`);
}

/**
 * The jobs an execution ran, in the order it started them, from its history (as Step Functions
 * records it): a SageMaker job from its task's parameters; a Glue job run and a CodeBuild build
 * from what the service answered (TaskSubmitted, else TaskSucceeded: the run's id, the build);
 * a build's log from the last description of it the history holds (`buildLog`: StartBuild's
 * answer, then the `.sync` task's outcome, BatchGetBuilds' build); an execution it started, its
 * own jobs in their place.
 */
export async function executionJobs(
  clients: JobLogsClients,
  executionArn: string,
  directory?: Pick<EnvironmentDirectory, 'environment' | 'models'>,
): Promise<JobLog[]> {
  if (directory) environmentExecution(directory, executionArn);
  return jobsOf(clients, executionArn, directory, new Set());
}

/**
 * An execution's jobs; the executions it started (`visited`: each read once, so a history that
 * names an execution already read, its own or an ancestor's, cannot loop) must be the
 * environment's when `directory` is given.
 */
async function jobsOf(
  clients: JobLogsClients,
  executionArn: string,
  directory: Pick<EnvironmentDirectory, 'environment' | 'models'> | undefined,
  visited: Set<string>,
): Promise<JobLog[]> {
  visited.add(executionArn);
  const events = await executionHistory(clients.sfn, executionArn);
  const jobs: JobLog[] = [];
  let state: string | undefined;
  // The task whose job is told by a later event (its run's or build's id, its execution's ARN).
  let pending: { readonly resourceType: string; readonly parameters: Record<string, unknown> } | undefined;
  // The build the current task started, until the task ends: a later description tells its log better.
  let build: { readonly index: number; readonly project: string; readonly id: string } | undefined;
  for (const event of events) {
    if (event.stateEnteredEventDetails?.name) state = event.stateEnteredEventDetails.name;
    const scheduled = event.taskScheduledEventDetails;
    if (scheduled) {
      const parameters = parseObject(scheduled.parameters) ?? {};
      const resourceType = scheduled.resourceType ?? '';
      const resource = scheduled.resource ?? '';
      pending = undefined;
      build = undefined;
      if (resourceType === 'sagemaker' && /^create(Training|Processing)Job/.test(resource)) {
        const kind = resource.startsWith('createTraining') ? 'training job' : 'processing job';
        const name = String(parameters[kind === 'training job' ? 'TrainingJobName' : 'ProcessingJobName']);
        jobs.push({
          kind,
          name,
          state,
          executionArn,
          streams: [{ logGroupName: SAGEMAKER_GROUPS[kind], logStreamNamePrefix: `${name}/` }],
        });
      } else if (resourceType === 'sagemaker' && resource.startsWith('createHyperParameterTuningJob')) {
        // Its trials are training jobs named after it (`<name>-NNN-<hex>`): their streams start so.
        const name = String(parameters.HyperParameterTuningJobName);
        jobs.push({
          kind: 'training job',
          name,
          state,
          executionArn,
          streams: [{ logGroupName: SAGEMAKER_GROUPS['training job'], logStreamNamePrefix: `${name}-` }],
        });
      } else if (
        (resourceType === 'glue' && resource.startsWith('startJobRun')) ||
        (resourceType === 'codebuild' && resource.startsWith('startBuild')) ||
        (resourceType === 'states' && resource.startsWith('startExecution'))
      ) {
        pending = { resourceType, parameters };
      }
      continue;
    }
    if (build) {
      // The .sync task's outcome: the build as BatchGetBuilds last described it (a failure's cause).
      const described = buildOf(
        parseObject(event.taskSucceededEventDetails?.output ?? event.taskFailedEventDetails?.cause),
      );
      if (described)
        jobs[build.index] = { ...jobs[build.index], streams: [buildLog(described, build.project, build.id)] };
      continue;
    }
    const answered = event.taskSubmittedEventDetails?.output ?? event.taskSucceededEventDetails?.output;
    if (!pending || answered === undefined) continue;
    const output = parseObject(answered) ?? {};
    const { resourceType, parameters } = pending;
    pending = undefined;
    if (resourceType === 'glue') {
      const runId = String(output.JobRunId ?? output.Id);
      const prefix = await glueLogGroupPrefix(clients.glue, String(parameters.JobName), parameters);
      jobs.push({
        kind: 'Glue job run',
        name: runId,
        state,
        executionArn,
        streams: ['output', 'error'].map((group) => ({
          logGroupName: `${prefix}/${group}`,
          logStreamNamePrefix: runId,
        })),
      });
    } else if (resourceType === 'codebuild') {
      const started = buildOf(output) ?? {};
      const project = String(member(started, 'ProjectName') ?? parameters.ProjectName);
      const id = String(member(started, 'Id'));
      build = { index: jobs.length, project, id };
      jobs.push({
        kind: 'CodeBuild build',
        name: id,
        state,
        executionArn,
        streams: [buildLog(started, project, id)],
      });
    } else if (typeof output.ExecutionArn === 'string' && !visited.has(output.ExecutionArn)) {
      if (directory) environmentExecution(directory, output.ExecutionArn);
      jobs.push(...(await jobsOf(clients, output.ExecutionArn, directory, visited)));
    }
  }
  return jobs;
}

/**
 * Where a build's log is, from the build as CodeBuild describes it (StartBuild's and BatchGetBuilds'
 * `build`; PascalCase in Step Functions' output): its LogsLocation's `groupName` and `streamName`
 * once the build has a stream; before, the project's CloudWatch Logs configuration the build
 * carries (`logs.cloudWatchLogs`: the group, and the prefix its streams are named under); else
 * CodeBuild's default, `/aws/codebuild/<project>`. The stream is named after the build id without
 * `<project>:`.
 */
export function buildLog(
  build: Record<string, unknown>,
  project: string,
  buildId: string,
): { readonly logGroupName: string; readonly logStreamNamePrefix: string } {
  const logs = asRecord(member(build, 'Logs'));
  const group = member(logs, 'GroupName');
  const stream = member(logs, 'StreamName');
  if (typeof group === 'string' && typeof stream === 'string')
    return { logGroupName: group, logStreamNamePrefix: stream };
  const configured = asRecord(member(logs, 'CloudWatchLogs'));
  const destination = codeBuildLog(project, buildId, {
    GroupName: typeof group === 'string' ? group : member(configured, 'GroupName'),
    StreamName: member(configured, 'StreamName'),
  });
  return { logGroupName: destination.logGroupName, logStreamNamePrefix: destination.logStreamName };
}

/** The build in an answer: `{ Build: ... }` (StartBuild, a `.sync` task's output), or the build itself. */
function buildOf(answer: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const build = asRecord(member(answer, 'Build'));
  if (Object.keys(build).length > 0) return build;
  return answer && member(answer, 'Id') !== undefined ? answer : undefined;
}

/** A member as Step Functions' output names it (PascalCase) or as the API does (camelCase). */
function member(object: Record<string, unknown> | undefined, name: string): unknown {
  return object?.[name] ?? object?.[name.charAt(0).toLowerCase() + name.slice(1)];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The prefix of a Glue job's log groups: the run's or the job's `--custom-logGroup-prefix`, else Glue's. */
async function glueLogGroupPrefix(
  glue: JobLogsClients['glue'],
  jobName: string,
  parameters: Record<string, unknown>,
): Promise<string> {
  const runArguments = (parameters.Arguments ?? {}) as Record<string, unknown>;
  if (typeof runArguments[GLUE_PREFIX_ARGUMENT] === 'string') return runArguments[GLUE_PREFIX_ARGUMENT];
  const job = await glue.send(new GetJobCommand({ JobName: jobName }));
  return job.Job?.DefaultArguments?.[GLUE_PREFIX_ARGUMENT] ?? GLUE_PREFIX;
}

/** A job's log: every stream of its groups that starts with its prefix, each read from its start. */
export async function readJobLog(logs: JobLogsClients['logs'], job: JobLog): Promise<JobLogEvents> {
  const events: Array<JobLogEvents['events'][number]> = [];
  for (const { logGroupName, logStreamNamePrefix } of job.streams) {
    for (const stream of await streamsOf(logs, logGroupName, logStreamNamePrefix)) {
      let token: string | undefined;
      for (;;) {
        const page = await logs.send(
          new GetLogEventsCommand({
            logGroupName,
            logStreamName: stream.logStreamName,
            startFromHead: true,
            nextToken: token,
          }),
        );
        for (const e of page.events ?? []) {
          events.push({
            logGroupName,
            logStreamName: stream.logStreamName!,
            timestamp: e.timestamp ?? 0,
            message: e.message ?? '',
          });
        }
        // The end of a stream: the same forward token again (or no events).
        if (!page.nextForwardToken || page.nextForwardToken === token || (page.events ?? []).length === 0)
          break;
        token = page.nextForwardToken;
      }
    }
  }
  return { ...job, events };
}

async function streamsOf(
  logs: JobLogsClients['logs'],
  logGroupName: string,
  prefix: string,
): Promise<LogStream[]> {
  const streams: LogStream[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await logs.send(
        new DescribeLogStreamsCommand({ logGroupName, logStreamNamePrefix: prefix, nextToken: token }),
      );
      streams.push(...(page.logStreams ?? []));
      token = page.nextToken;
    } while (token);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return []; // no group: nothing logged yet
    throw error;
  }
  return streams.sort((a, b) => (a.logStreamName ?? '').localeCompare(b.logStreamName ?? ''));
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
