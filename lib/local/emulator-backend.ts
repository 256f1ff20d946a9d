import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateProcessingJobCommand,
  type CreateProcessingJobCommandInput,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type ListModelPackagesCommandInput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetTableCommand } from '@aws-sdk/client-glue';
import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { asList, asObject, type JsonObject } from '../../cfn/json-values';
import { DBT_ENVIRONMENT, RECORDER_ENVIRONMENT } from '../integrations/codebuild-build/calls';
import type { DeployedResource } from '../calls/deployed-assembly';
import { DBT_TARGET_VARIABLE } from '../../constructs';
import { artifactLocationModel } from '../../constructs/tracking/experiment-artifact-location';
import { CURATED_ROWS_TABLE } from '../stacks/model-data-pipeline';
import {
  type AuthorizedExecution,
  type ExecutionEvent,
  type IntegrationBackend,
  runAuthorizedExecution,
} from './authorized-execution';
import { emulatorClientConfig, emulatorProcessEnv } from './emulator-env';
import { type EmulatorRecord, recordInEmulator, runRecorded } from './emulator-records';
import { executionArnOf, ExecutionHistory } from './execution-history';
import { codeBuildLog, glueJobRunLogs, type LogDestination, sagemakerJobLog } from '../ops/job-log-locations';
import { JobLines, writeJobLog } from './jobs/job-log-streams';
import { runCodeBuild } from '../integrations/codebuild-build/local-build';
import { localArtifactLocation, mlflowServerStatus } from './mlflow-server';
import { glueJobRunId, runGlueJob } from '../integrations/glue-job-run/local-run';
import type {
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  ProcessingJobDescription,
  TrainingJobDescription,
} from './jobs/job-requests';
import type { LocalJobOptions, LocalJobRun } from './jobs/job-options';
import { runProcessingJob } from '../integrations/sagemaker-job/processing-job';
import { S3ObjectStore } from '../ops/s3-object-store';
import { syncTaskOutput } from '../integrations/sagemaker-job/sync-task';
import { runTrainingJob } from '../integrations/sagemaker-job/training-job';
import type { LocalDeployment } from './local-deployment';

/** An error with the name Step Functions gives a service integration's failure. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** What the backend did that a run's summary reports. */
export interface BackendRecord {
  /** Each SageMaker job run locally, by state. */
  readonly jobs: Record<string, LocalJobRun<unknown>>;
  /** The messages published to SNS topics. */
  readonly published: Array<{
    readonly topicArn: string;
    readonly subject?: string;
    readonly message: string;
  }>;
  /** The model packages registered. */
  readonly registered: string[];
  /** The executions of other state machines a run started (`states:startExecution`), in order. */
  readonly childExecutions: Array<{
    readonly stateMachineArn: string;
    readonly executionArn: string;
    readonly execution: AuthorizedExecution;
  }>;
  /** Where each job's log went in the emulator's CloudWatch Logs, by state, in the order they ran. */
  readonly logs: Array<{ readonly state: string; readonly destinations: readonly LogDestination[] }>;
  /** What could not be recorded in the emulator (its executions, job descriptions and logs), and why. */
  readonly notRecorded: string[];
}

export interface EmulatorBackendOptions {
  /** Where the jobs' container roots go. */
  readonly workDir?: string;
  /** Each line a job's script writes, with its state. */
  readonly onLog?: (state: string, line: string) => void;
  /** Told as each Task state of a child execution (`states:startExecution`) starts and ends. */
  readonly onChildEvent?: (parentState: string, event: ExecutionEvent) => void;
  /**
   * The Python that runs the model's code: its training jobs and the processing jobs that run a
   * framework image's `python3` (stand-ins of other images, Model Monitor's, keep `.venv`).
   * @default - the project's `.venv/bin/python`
   */
  readonly python?: string;
  /**
   * The history of the execution the backend answers for, which the backend tells each task's
   * scheduling, submission and outcome (the runner's `onEvent` tells it the states).
   * @default - none is kept
   */
  readonly history?: ExecutionHistory;
}

/** The target of the dbt project's `profiles.yml` that local builds use (DuckDB over the same Parquet). */
const LOCAL_DBT_TARGET = 'duckdb';

/** The variable the dbt project's local profile reads the curated rows' Parquet files from. */
const LOCAL_ROWS_VARIABLE = 'MLENV_CURATED_PATH';

/**
 * The service integrations of the training pipeline, answered by the local environment: SageMaker
 * processing and training jobs run on this machine under their container contracts with their
 * data in the emulator's S3 (and are recorded in the emulator's SageMaker); the SDK integrations
 * (`s3:getObject` of a dataset's `latest.json` and of an evaluation, `s3:headObject` of an artifact,
 * `sagemaker:createModelPackage`, and the champion comparison's `sagemaker:listModelPackages` and
 * `sagemaker:describeModelPackage`)
 * and SNS publishing go to the emulator.
 */
export function emulatorBackend(
  deployment: LocalDeployment,
  options: EmulatorBackendOptions = {},
): { readonly backend: IntegrationBackend; readonly record: BackendRecord } {
  const { s3, sagemaker, sns } = deployment.clients;
  const record: BackendRecord = {
    jobs: {},
    published: [],
    registered: [],
    childExecutions: [],
    logs: [],
    notRecorded: [],
  };
  const logs = new CloudWatchLogsClient(emulatorClientConfig(deployment.port, deployment.env.region));
  // What ran is recorded where AWS's APIs read it; a recording that fails does not fail the run.
  const keep = async (what: string, recording: () => Promise<unknown>) => {
    try {
      await recording();
    } catch (error) {
      record.notRecorded.push(`${what}: ${(error as Error).message}`);
    }
  };
  const keepLog = (state: string, destinations: readonly LogDestination[], lines: JobLines) =>
    keep(`the log of ${state}`, async () => {
      await writeJobLog(logs, destinations, lines.lines);
      record.logs.push({ state, destinations });
    });
  const { deployed } = deployment.authz.inventory;
  const localResource = (type: string, ref: string, what: string): DeployedResource => {
    const found = deployed.ofType(type).find((r) => r.stage === deployment.stage && deployed.ref(r) === ref);
    if (!found) throw new Error(`the local environment has no ${what} ${ref}`);
    return found;
  };
  const awsEnvironment = emulatorProcessEnv(deployment.port, deployment.env.region, deployment.stateDir);
  const jobOptions = (state: string, lines: JobLines, python?: string): LocalJobOptions => ({
    store: new S3ObjectStore(s3),
    python,
    workDir: options.workDir,
    region: deployment.env.region,
    onLog: (line: string, stream?: 'stdout' | 'stderr') => {
      lines.onLog(line, stream);
      options.onLog?.(state, line);
    },
  });

  // A SageMaker job ran here: its log goes to SageMaker's stream of it, its description to the
  // emulator's SageMaker (status, metrics, artifacts, failure reason), then `.sync` answers. One
  // stopped by an interrupt never returns: its runner hands its `Stopped` description over before
  // the command exits, and it is recorded with the log so far (an error is told by the interrupt).
  type JobDescription = ProcessingJobDescription | TrainingJobDescription;
  const localJob = async (
    state: string,
    kind: 'training' | 'processing',
    run: (
      lines: JobLines,
      onStopped: (description: JobDescription) => Promise<void>,
    ) => Promise<LocalJobRun<JobDescription>>,
  ) => {
    const lines = new JobLines();
    const onStopped = async (description: JobDescription) => {
      const { recorded, name } = jobRecord(kind, description);
      await recordInEmulator(deployment.port, recorded);
      await writeJobLog(logs, [sagemakerJobLog(kind, name, description.CreationTime)], lines.lines);
    };
    const job = await run(lines, onStopped);
    record.jobs[state] = job;
    const description = job.description;
    const { recorded, name } = jobRecord(kind, description);
    await keepLog(state, [sagemakerJobLog(kind, name, description.CreationTime)], lines);
    await keep(`the ${kind} job ${name}`, () => recordInEmulator(deployment.port, recorded));
    return syncTaskOutput(description);
  };

  const answerFor =
    (history: ExecutionHistory | undefined): IntegrationBackend =>
    async (integration, parameters, state) => {
      history?.taskScheduled(integration, parameters, deployment.env.region);
      try {
        const output = await answer(integration, parameters, state, history);
        history?.taskSucceeded(integration, output);
        return output;
      } catch (error) {
        history?.taskFailed(state, integration, error as Error);
        throw error;
      }
    };

  const answer = async (
    integration: string,
    parameters: JsonObject,
    state: string,
    history: ExecutionHistory | undefined,
  ): Promise<unknown> => {
    switch (integration) {
      // Recorded in the emulator's SageMaker, then run here; `.sync` answers when it ends.
      case 'sagemaker:createProcessingJob': {
        const created = await sagemaker.send(
          new CreateProcessingJobCommand(parameters as unknown as CreateProcessingJobCommandInput),
        );
        history?.taskSubmitted(integration, { ProcessingJobArn: created.ProcessingJobArn });
        return localJob(state, 'processing', (lines, onStopped) => {
          const request = parameters as unknown as CreateProcessingJobRequest;
          const modelCode = request.AppSpecification.ContainerEntrypoint !== undefined;
          return runProcessingJob(
            request,
            jobOptions(state, lines, modelCode ? options.python : undefined),
            onStopped,
          );
        });
      }
      case 'sagemaker:createTrainingJob': {
        const created = await sagemaker.send(
          new CreateTrainingJobCommand(parameters as unknown as CreateTrainingJobCommandInput),
        );
        history?.taskSubmitted(integration, { TrainingJobArn: created.TrainingJobArn });
        return localJob(state, 'training', (lines, onStopped) =>
          runTrainingJob(
            parameters as unknown as CreateTrainingJobRequest,
            jobOptions(state, lines, options.python),
            onStopped,
          ),
        );
      }
      case 'aws-sdk:s3:getObject': {
        const output = await s3
          .send(new GetObjectCommand({ Bucket: String(parameters.Bucket), Key: String(parameters.Key) }))
          .catch((error: Error) => {
            // Named as Step Functions names it, so the definition's Catch rules apply as on AWS
            // (a dataset's missing latest.json is `NoDatasetVersion`).
            if (error.name === 'NoSuchKey') throw namedError('S3.NoSuchKeyException', error.message);
            throw error;
          });
        // Step Functions' SDK integration returns the body as a string.
        return {
          Body: (await output.Body?.transformToString('utf8')) ?? '',
          ContentType: output.ContentType,
          ContentLength: output.ContentLength,
        };
      }
      case 'aws-sdk:s3:headObject': {
        const output = await s3.send(
          new HeadObjectCommand({ Bucket: String(parameters.Bucket), Key: String(parameters.Key) }),
        );
        // The emulator's buckets are not versioned (see emulator-gaps): S3 calls that version 'null'.
        return {
          VersionId: output.VersionId ?? 'null',
          ContentLength: output.ContentLength,
          ETag: output.ETag,
        };
      }
      case 'aws-sdk:sagemaker:createModelPackage': {
        const output = await sagemaker.send(
          new CreateModelPackageCommand(parameters as unknown as CreateModelPackageCommandInput),
        );
        record.registered.push(output.ModelPackageArn!);
        return { ModelPackageArn: output.ModelPackageArn };
      }
      // The champion comparison's reads of the registry, from the emulator's.
      case 'aws-sdk:sagemaker:listModelPackages':
      case 'aws-sdk:sagemaker:describeModelPackage':
        return readRegistry(sagemaker, integration, parameters);
      case 'sns:publish': {
        const message =
          typeof parameters.Message === 'string' ? parameters.Message : JSON.stringify(parameters.Message);
        const output = await sns.send(
          new PublishCommand({
            TopicArn: String(parameters.TopicArn),
            Message: message,
            Subject: typeof parameters.Subject === 'string' ? parameters.Subject : undefined,
          }),
        );
        record.published.push({
          topicArn: String(parameters.TopicArn),
          subject: typeof parameters.Subject === 'string' ? parameters.Subject : undefined,
          message,
        });
        return { MessageId: output.MessageId } satisfies JsonObject;
      }
      // The Spark job runs here with Spark in local mode; `.sync` answers when it ends.
      case 'glue:startJobRun': {
        const job = localResource('AWS::Glue::Job', String(parameters.JobName), 'Glue job');
        const command = asObject(job.properties.Command) ?? {};
        const defaultArguments = stringRecord(job.properties.DefaultArguments);
        const runArguments = stringRecord(parameters.Arguments);
        const lines = new JobLines();
        // The run is named before it starts, as StartJobRun answers, so the history's TaskSubmitted
        // tells its id (`mlenv logs`, an interrupted execution's too); its log is in the streams of
        // that id, the log so far when an interrupt stops it (an error is told by the interrupt).
        const runId = glueJobRunId();
        const destinations = glueJobRunLogs({ ...defaultArguments, ...runArguments }, runId);
        history?.taskSubmitted(integration, { JobRunId: runId });
        try {
          const run = await runGlueJob(
            {
              name: String(parameters.JobName),
              scriptLocation: String(command.ScriptLocation),
              defaultArguments,
              timeoutMinutes: Number(job.properties.Timeout ?? 60),
            },
            runArguments,
            {
              ...jobOptions(state, lines),
              awsEnvironment,
              runId,
              onInterrupt: () => writeJobLog(logs, destinations, lines.lines),
            },
          );
          await keepLog(state, destinations, lines);
          const { log: _log, ...jobRun } = run;
          return jobRun;
        } catch (error) {
          await keepLog(state, destinations, lines);
          throw error;
        }
      }
      // Builds run here with the project's own commands (`runCodeBuild`): a dbt build with the
      // DuckDB target over the rows the Glue table (registered by the Spark job in the emulator's
      // catalog) points at; a run recorder's with the local MLflow server as its tracking server.
      case 'codebuild:startBuild': {
        const project = localResource(
          'AWS::CodeBuild::Project',
          String(parameters.ProjectName),
          'CodeBuild project',
        );
        const source = asObject(project.properties.Source) ?? {};
        const environment = asObject(project.properties.Environment) ?? {};
        const variables = (list: unknown) =>
          Object.fromEntries(
            asList(list).map((v) => [String(asObject(v)?.Name), String(asObject(v)?.Value)]),
          );
        const projectVariables = variables(environment.EnvironmentVariables);
        const name = String(parameters.ProjectName);
        const cloudWatchLogs = asObject(asObject(project.properties.LogsConfig)?.CloudWatchLogs);
        const lines = new JobLines();
        // The build's log is in the project's group, in the stream of its id (a failed build's,
        // which the runner does not tell, is one made here); the build names it, as CodeBuild's does.
        const logUnder = async (buildId: string) => {
          const destination = codeBuildLog(name, buildId, cloudWatchLogs);
          const logged = {
            GroupName: destination.logGroupName,
            StreamName: destination.logStreamName,
          };
          history?.taskSubmitted(integration, { Build: { Id: buildId, ProjectName: name, Logs: logged } });
          await keepLog(state, [destination], lines);
          return logged;
        };
        try {
          const build = await runCodeBuild(
            {
              name,
              source: `s3://${String(source.Location)}`,
              buildSpec: String(source.BuildSpec),
              environmentVariables: projectVariables,
              timeoutMinutes: Number(project.properties.TimeoutInMinutes ?? 60),
            },
            variables(parameters.EnvironmentVariablesOverride),
            {
              ...jobOptions(state, lines),
              awsEnvironment,
              ...(await localBuildInputs(deployment, projectVariables)),
            },
          );
          return { Build: { ...build.Build, Logs: await logUnder(build.Build.Id) } };
        } catch (error) {
          await logUnder(`${name}:${randomUUID()}`);
          throw error;
        }
      }
      // Another deployed state machine, run here the same way (its calls checked); `.sync:2`
      // answers with its output as JSON.
      case 'states:startExecution': {
        const stateMachineArn = String(parameters.StateMachineArn);
        const child = localResource('AWS::StepFunctions::StateMachine', stateMachineArn, 'state machine');
        const name = typeof parameters.Name === 'string' ? parameters.Name : `${state}-${Date.now()}`;
        const input = (
          typeof parameters.Input === 'string' ? JSON.parse(parameters.Input) : parameters.Input
        ) as JsonObject;
        const executionArn = executionArnOf(stateMachineArn, name);
        const childHistory = new ExecutionHistory(executionArn, stateMachineArn, input);
        history?.taskSubmitted(integration, {
          ExecutionArn: executionArn,
          StartDate: childHistory.startDate,
        });
        const execution = await runRecorded(
          deployment.port,
          childHistory,
          () =>
            runAuthorizedExecution({
              stateMachine: child,
              definition: deployed.definition(child),
              authz: deployment.authz,
              backend: answerFor(childHistory),
              input,
              executionName: name,
              onEvent: (event) => {
                childHistory.stateEvent(event);
                options.onChildEvent?.(state, event);
              },
            }),
          (error) => record.notRecorded.push(`the execution ${executionArn}: ${error.message}`),
        );
        record.childExecutions.push({ stateMachineArn, executionArn, execution });
        if (execution.status !== 'SUCCEEDED') {
          // As Step Functions reports a failed child of `.sync:2`: its description as the cause.
          throw namedError(
            'States.TaskFailed',
            JSON.stringify({
              ExecutionArn: executionArn,
              Status: 'FAILED',
              Error: execution.error,
              Cause: execution.cause,
            }),
          );
        }
        return { ExecutionArn: executionArn, Status: 'SUCCEEDED', Output: execution.output as JsonObject };
      }
      default:
        throw new Error(`the local environment has no backend for ${integration} (state ${state})`);
    }
  };
  return { backend: answerFor(options.history), record };
}

/**
 * What a local build of a project needs beyond its own variables: for a dbt project (it has the
 * Glue database), its source rows and the DuckDB target; for a run recorder (it has an action),
 * the local MLflow server as its tracking server (none when it does not run: the build warns).
 */
async function localBuildInputs(
  deployment: LocalDeployment,
  variables: Readonly<Record<string, string>>,
): Promise<{ sources?: Record<string, string>; localVariables?: Record<string, string> }> {
  // The same variables tell the authorization model which kind of build it is.
  const database = variables[DBT_ENVIRONMENT.database];
  if (database !== undefined) {
    const table = await deployment.clients.glue.send(
      new GetTableCommand({ DatabaseName: database, Name: CURATED_ROWS_TABLE }),
    );
    const rows = table.Table?.StorageDescriptor?.Location;
    if (!rows) throw new Error(`the Glue table ${CURATED_ROWS_TABLE} has no location`);
    return {
      sources: { [LOCAL_ROWS_VARIABLE]: rows },
      localVariables: { [DBT_TARGET_VARIABLE]: LOCAL_DBT_TARGET, MLENV_DUCKDB_PATH: 'features.duckdb' },
    };
  }
  if (variables[RECORDER_ENVIRONMENT.action] !== undefined) {
    // The loopback MLflow server stands in for the deployed tracking server (the emulator has
    // none); a recorder deployed without one records nothing here either, as on AWS.
    if (!variables[RECORDER_ENVIRONMENT.trackingUri]) return {};
    const server = await mlflowServerStatus(deployment.stateDir);
    // Its model's experiment keeps run artifacts in the model's folder of the local server's store,
    // as the deployed one does in its S3 store (which the local server cannot read).
    const model = artifactLocationModel(variables[RECORDER_ENVIRONMENT.artifactLocation] ?? '');
    return {
      localVariables: {
        [RECORDER_ENVIRONMENT.trackingUri]: server?.url ?? '',
        ...(model ? { [RECORDER_ENVIRONMENT.artifactLocation]: localArtifactLocation(model) } : {}),
      },
    };
  }
  return {};
}

/** A local SageMaker job's description as the emulator records it, and the job's name. */
function jobRecord(
  kind: 'training' | 'processing',
  description: ProcessingJobDescription | TrainingJobDescription,
): { readonly recorded: EmulatorRecord; readonly name: string } {
  if (kind === 'training') {
    const record = description as TrainingJobDescription;
    return { recorded: { kind: 'training-job', record }, name: record.TrainingJobName };
  }
  const record = description as ProcessingJobDescription;
  return { recorded: { kind: 'processing-job', record }, name: record.ProcessingJobName };
}

/** A map of strings (a Glue job's arguments) from a template or task value. */
function stringRecord(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asObject(value) ?? {}).map(([k, v]) => [k, String(v)]));
}

/**
 * A read of a model registry (`sagemaker:listModelPackages`, `sagemaker:describeModelPackage`)
 * with a Task state's parameters, answered as Step Functions' SDK integration answers it: the
 * response as JSON (dates as ISO 8601 strings), without the SDK's `$metadata`.
 */
export async function readRegistry(
  sagemaker: Pick<SageMakerClient, 'send'>,
  integration: 'aws-sdk:sagemaker:listModelPackages' | 'aws-sdk:sagemaker:describeModelPackage',
  parameters: JsonObject,
): Promise<JsonObject> {
  const output =
    integration === 'aws-sdk:sagemaker:listModelPackages'
      ? await sagemaker.send(
          new ListModelPackagesCommand(parameters as unknown as ListModelPackagesCommandInput),
        )
      : await sagemaker.send(
          new DescribeModelPackageCommand({ ModelPackageName: String(parameters.ModelPackageName) }),
        );
  const { $metadata: _metadata, ...result } = output;
  return JSON.parse(JSON.stringify(result)) as JsonObject;
}
