import type { TuningJobDescription } from '../tools/integrations/tuning-job/tuning-description';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetTableCommand } from '@aws-sdk/client-glue';
import type { JsonObject } from '../../cfn/json-values';
import { artifactLocationModel, DBT_TARGET_VARIABLE } from '../../constructs';
import type { DeployedResource } from '../tools/calls/deployed-assembly';
import { DBT_ENVIRONMENT, RECORDER_ENVIRONMENT } from '../tools/integrations/codebuild-build/calls';
import { integrationNamed } from '../tools/integrations/kinds';
import type { ChildExecution, IntegrationRecord } from '../tools/integrations/task-integration';
import type { LogDestination } from '../ops/job-log-locations';
import { S3ObjectStore } from '../ops/s3-object-store';
import { CURATED_ROWS_TABLE } from '../platform/stacks/model-data-pipeline';
import {
  type AuthorizedExecution,
  type ExecutionEvent,
  type IntegrationBackend,
  runAuthorizedExecution,
} from './authorized-execution';
import { emulatorClientConfig, emulatorProcessEnv } from './emulator-env';
import { type EmulatorRecord, recordInEmulator, runRecorded } from './emulator-records';
import { executionArnOf, ExecutionHistory } from './execution-history';
import { type JobLines, writeJobLog } from '../jobs/job-log-streams';
import type { ProcessingJobDescription, TrainingJobDescription } from '../jobs/job-requests';
import type { LocalJobOptions } from '../jobs/job-options';
import { localArtifactLocation, mlflowServerStatus } from './mlflow-server';
import type { LocalDeployment } from './local-deployment';

type JobDescription = ProcessingJobDescription | TrainingJobDescription;

/** What the backend did that a run's summary reports. */
export interface BackendRecord extends IntegrationRecord {
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
 * The Task states of the local stage's state machines, answered by the local environment: each by
 * its integration's kind (lib/tools/integrations: SageMaker jobs and Glue job runs and builds run on this
 * machine, the SDK integrations and SNS go to the emulator), given what the local environment has:
 * the emulator's clients, where logs and job descriptions are recorded, the execution's history.
 */
export function emulatorBackend(
  deployment: LocalDeployment,
  options: EmulatorBackendOptions = {},
): { readonly backend: IntegrationBackend; readonly record: BackendRecord } {
  const { s3 } = deployment.clients;
  const record: BackendRecord = {
    jobs: {},
    tuningJobs: {},
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
    const kind = integrationNamed(integration);
    if (!kind) throw new Error(`the local environment has no backend for ${integration} (state ${state})`);
    return kind.run(
      {
        state,
        api: integration,
        clients: deployment.clients,
        record,
        awsEnvironment,
        python: options.python,
        submitted: (output) => history?.taskSubmitted(integration, output),
        localResource,
        jobOptions: (lines, python) => jobOptions(state, lines, python),
        keepLog: (destinations, lines) => keepLog(state, destinations, lines),
        writeLog: (destinations, lines) => writeJobLog(logs, destinations, lines.lines),
        keep,
        recordJob: (kind, description) =>
          recordInEmulator(deployment.port, jobRecord(kind, description as JobDescription).recorded),
        recordTuningJob: (description) => recordInEmulator(deployment.port, tuningJobRecord(description)),
        localBuildInputs: (variables) => localBuildInputs(deployment, variables),
        startExecution: (stateMachineArn, name, input) =>
          startChild(state, integration, history, stateMachineArn, name, input),
      },
      parameters,
    );
  };

  // Another deployed state machine, run here the same way (its calls checked), its history kept.
  const startChild = async (
    state: string,
    integration: string,
    history: ExecutionHistory | undefined,
    stateMachineArn: string,
    name: string,
    input: JsonObject,
  ): Promise<ChildExecution> => {
    const child = localResource('AWS::StepFunctions::StateMachine', stateMachineArn, 'state machine');
    const executionArn = executionArnOf(stateMachineArn, name);
    const childHistory = new ExecutionHistory(executionArn, stateMachineArn, input);
    history?.taskSubmitted(integration, { ExecutionArn: executionArn, StartDate: childHistory.startDate });
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
    return { executionArn, ...execution };
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

/**
 * A local tuning job's description as the emulator records it (the launcher's
 * `/_mlenv/records/hyper-parameter-tuning-job`, which clears what moto made up and the record does
 * not give: a best training job, say).
 */
function tuningJobRecord(description: TuningJobDescription): EmulatorRecord {
  return { kind: 'hyper-parameter-tuning-job', record: description };
}
