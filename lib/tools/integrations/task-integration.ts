import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { JsonObject } from '../../../cfn/json-values';
import type { DeployedResource, DeployedStage } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { DerivedCalls } from '../calls/run-time-call';
import type { Caller } from '../calls/s3-object-calls';
import type { LogDestination } from '../../ops/job-log-locations';
import type { CostLine } from '../pricing/cost-line';
import type { PriceTable } from '../pricing/price-table';
import type { PricedTask } from '../pricing/priced-task';
import type { JobLines } from '../../jobs/job-log-streams';
import type { LocalJobOptions, LocalJobRun } from '../../jobs/job-options';
import type { CatalogTable } from './glue-job-run/calls';
import type { JobCost } from './sagemaker-job/cost';
import type { LocalTuningRun, TuningJobDescription } from './tuning-job/tuning-description';

/**
 * One kind of Step Functions service integration (a Glue job run, a SageMaker job, a CodeBuild
 * build...): what a Task state of it asks of IAM, what it costs, how the authorization model's
 * sample execution and the local environment answer it, in one module
 * (`lib/tools/integrations/<kind>/index.ts`), found by `taskIntegration` (kinds.ts). A new kind is
 * one folder and one line in `TASK_INTEGRATIONS`; docs/contributing/layout.md says what a new
 * resource type or AWS service needs besides.
 */
export interface TaskIntegration {
  /** The integrations it answers, as a Task's `Resource` names them after `states:::` (`glue:startJobRun`). */
  readonly apis: readonly string[];
  /**
   * The error Step Functions names a failed call of its service, IAM's denial included
   * (`SageMaker.AmazonSageMakerException`), so a definition's Catch rules apply as on AWS.
   * @default 'States.TaskFailed'
   */
  readonly deniedError?: string;
  /**
   * Every request a Task state of this kind makes with `parameters` (resolved, as the state sends
   * them): its integration through the state machine's role (with a `.sync` task's polling,
   * stopping and managed EventBridge rule, as the integration's Step Functions page documents) and
   * what the work it starts requests through its own role.
   */
  calls(task: TaskCallContext, parameters: JsonObject): DerivedCalls;
  /** What one run of a Task state of this kind costs at worst, where the estimate prices it; or why it is free. */
  readonly cost: TaskCost;
  /** Answers a Task state of this kind in the local environment, as the service would. */
  run(task: LocalTask, parameters: JsonObject): Promise<unknown>;
  /**
   * Answers a Task state of this kind in the authorization model's sample execution, as the service
   * documents its answer (a `.sync` job completed, with the ids it gives), so that the states after
   * it get their parameters as on AWS.
   */
  sample(task: SampleTask, parameters: JsonObject): JsonObject;
}

/** The id AWS gives where it generates a UUID (a child execution not named, a build), in models and samples. */
export const SAMPLE_UUID = '01234567-89ab-4def-8123-456789abcdef';

/** What a sample execution's answers depend on beyond a task's parameters. */
export interface SampleAnswers {
  /**
   * The body of an S3 object the execution reads (`s3://bucket/key`), for a state that decides on
   * it (a metrics file behind a quality gate). @default '{}'
   */
  readonly objectBody?: (s3Uri: string) => string;
  /**
   * The variables a CodeBuild project's builds export (its buildspec's `env.exported-variables`),
   * which a `.sync` build's answer lists, each with a sample value. @default - none
   */
  readonly exportedVariables?: (projectName: string) => readonly string[];
  /**
   * The approved packages of a model package group (`ModelPackageGroupName`), newest first, as
   * DescribeModelPackage answers them (with their `ModelPackageArn`): what a state that lists and
   * reads a group's approved packages finds (the champion a new model is compared with).
   * @default - none
   */
  readonly approvedPackages?: (groupName: string) => readonly JsonObject[];
}

/** A Task state of a sample execution: its integration, and where the state machine runs. */
export interface SampleTask {
  readonly api: string;
  readonly pattern: IntegrationPattern;
  /** The state machine's partition, region and account: those of the ARNs the services answer with. */
  readonly where: Pick<DeployedStage, 'partition' | 'region' | 'account'>;
  readonly answers: SampleAnswers;
}

/** How a Task state waits for its integration (Step Functions' service integration patterns). */
export type IntegrationPattern = 'request-response' | 'sync' | 'sync:2' | 'wait-for-task-token';

/** A Task state's `Resource`: the integration and how the state waits for it. */
export interface TaskResource {
  /** `glue:startJobRun`, `aws-sdk:s3:getObject`. */
  readonly api: string;
  readonly pattern: IntegrationPattern;
}

/**
 * Reads a Task state's `Resource` (`arn:aws:states:::glue:startJobRun.sync`); undefined if not an
 * integration. The partition may still be a template's reference (`arn:${AWS::Partition}:...`).
 */
export function parseTaskResource(resource: string): TaskResource | undefined {
  const match = /^arn:.+?:states:::(.+?)(\.sync(:2)?|\.waitForTaskToken)?$/.exec(resource);
  if (!match) return undefined;
  const pattern: IntegrationPattern =
    match[2] === undefined
      ? 'request-response'
      : match[2] === '.waitForTaskToken'
        ? 'wait-for-task-token'
        : (match[2].slice(1) as 'sync' | 'sync:2');
  return { api: match[1], pattern };
}

/** What a Task state's calls depend on beyond its parameters. */
export interface TaskCallContext {
  readonly inventory: PolicyInventory;
  /** The state machine as deployed (its stage, role and path). */
  readonly stateMachine: DeployedResource;
  readonly stage: DeployedStage;
  /** The state machine's role, with where the call comes from (`state <name>`). */
  readonly caller: Caller;
  /** The construct path of the state machine and the state, for the calls the work itself makes. */
  readonly path: string;
  readonly detail: string;
  readonly api: string;
  /** Whether the state waits for the work to end (`.sync`, `.sync:2`). */
  readonly sync: boolean;
  /** Tables the machine's Glue job runs register over their output (what its dbt builds read). */
  readonly catalogTables?: readonly CatalogTable[];
}

/**
 * Where a kind's cost goes in the estimate: a data pipeline's run (Glue job runs, builds: cost
 * lines), a training run (SageMaker jobs), a batch transform's run (its transform job: cost
 * lines), or nowhere, with the reason.
 */
export type TaskCost =
  | { readonly part: 'data-pipeline-run'; lines(task: PricedTask): CostLine[] }
  | { readonly part: 'training-run'; job(task: PricedTask, table: PriceTable): JobCost }
  /** A batch transform's run (its transform job to its time limit: cost lines). */
  | { readonly part: 'batch-run'; lines(task: PricedTask): CostLine[] }
  /** Not priced, and why (as `FREE_WHILE_IDLE` gives its reasons). */
  | { readonly free: string };

/** The clients of the emulator a local task calls. */
export interface IntegrationClients {
  readonly s3: S3Client;
  readonly sagemaker: SageMakerClient;
  readonly sns: SNSClient;
  readonly glue: GlueClient;
}

/** What the local environment did that a run's summary reports. */
export interface IntegrationRecord {
  /** Each SageMaker job run locally, by state (a tuning state's: its best trial, else its last). */
  readonly jobs: Record<string, LocalJobRun<unknown>>;
  /** Each hyperparameter tuning job run locally (its trials one after another), by state. */
  readonly tuningJobs: Record<string, LocalTuningRun>;
  /** The messages published to SNS topics. */
  readonly published: Array<{
    readonly topicArn: string;
    readonly subject?: string;
    readonly message: string;
  }>;
  /** The model packages registered. */
  readonly registered: string[];
}

/** What the local environment gives a Task state it answers. */
export interface LocalTask {
  /** The state's name. */
  readonly state: string;
  readonly api: string;
  readonly clients: IntegrationClients;
  readonly record: IntegrationRecord;
  /** The environment of a job's process: the emulator's endpoint and credentials. */
  readonly awsEnvironment: NodeJS.ProcessEnv;
  /** The Python of the model's code (its training and processing jobs). @default the project's */
  readonly python?: string;
  /** Tells the execution's history what the service answered to the start (the job, run, build). */
  submitted(output: JsonObject): void;
  /** The local stage's resource of `type` that `ref` (its Ref: a name or ARN) names; or throws. */
  localResource(type: string, ref: string, what: string): DeployedResource;
  /** How a job of this state runs: its object store, work folder and log lines. */
  jobOptions(lines: JobLines, python?: string): LocalJobOptions;
  /** Writes a job's log where AWS keeps it; a failed write is reported in the run, not thrown. */
  keepLog(destinations: readonly LogDestination[], lines: JobLines): Promise<void>;
  /** Writes a job's log now (an interrupted job's, before the command exits); throws on failure. */
  writeLog(destinations: readonly LogDestination[], lines: JobLines): Promise<void>;
  /** Records `record` where the emulator's API reads it; a failed recording is reported, not thrown. */
  keep(what: string, recording: () => Promise<unknown>): Promise<void>;
  /** Records a SageMaker job's description in the emulator (its Describe and List answer it). */
  recordJob(kind: 'training' | 'processing', description: unknown): Promise<void>;
  /**
   * Records a hyperparameter tuning job's description in the emulator, over the one its SageMaker
   * made up at CreateHyperParameterTuningJob (DescribeHyperParameterTuningJob answers it).
   */
  recordTuningJob(description: TuningJobDescription): Promise<void>;
  /** What the local environment adds to a build of a project with `variables` (DuckDB, MLflow). */
  localBuildInputs(
    variables: Readonly<Record<string, string>>,
  ): Promise<{ sources?: Record<string, string>; localVariables?: Record<string, string> }>;
  /** Runs another deployed state machine here, its calls checked: a child execution. */
  startExecution(stateMachineArn: string, name: string, input: JsonObject): Promise<ChildExecution>;
}

/** How a child execution ended. */
export interface ChildExecution {
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** An error with the name Step Functions gives a service integration's failure. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The names among `fields` whose parameter is not a string: what a task's calls cannot be derived without. */
export function missingStrings(parameters: JsonObject, ...fields: string[]): string[] {
  return fields.filter((field) => typeof parameters[field] !== 'string');
}

/** `{ calls: [], problems: [...] }` for a task whose `fields` are missing. */
export function cannotDerive(fields: readonly string[]): DerivedCalls {
  return { calls: [], problems: [`no ${fields.join(', ')} to derive calls from`] };
}
