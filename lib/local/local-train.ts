import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { asObject, type JsonObject } from '../../cfn/json-values';
import {
  type AuthorizedExecution,
  type ExecutionEvent,
  runAuthorizedExecution,
} from './authorized-execution';
import { type BackendRecord, emulatorBackend } from './emulator-backend';
import { runRecorded } from './emulator-records';
import { executionArnOf, ExecutionHistory } from './execution-history';
import type { StepRunner } from './emulator-up';
import { SILENT_STEPS } from './emulator-up';
import { fileOf, pushDataset } from '../ops/datasets';
import { readEvaluationMetrics } from '../ops/evaluation-metrics';
import { formatStateEnded, type StateEnded } from '../ops/training-runs';
import { NO_RUN } from '../../constructs';
import { S3ObjectStore } from '../ops/s3-object-store';
import { mlflowServerStatus } from './mlflow-server';
import { modelPython } from './model-python';
import type { LocalDeployment } from './local-deployment';
import { sampleDataset } from './sample-dataset';

/** What starts a training pipeline: its execution input. */
export interface PipelineInput {
  readonly datasetS3Uri: string;
  readonly datasetVersion: string;
  readonly reason: string;
  readonly [other: string]: string;
}

export interface LocalTrainOptions {
  readonly model: string;
  /** The execution input; by default the sample dataset is uploaded and trained on. */
  readonly input?: PipelineInput;
  /** Rows of the sample dataset. @default all (569) */
  readonly rows?: number;
  /** A CSV dataset (header row, the target column) to train on instead of the sample. */
  readonly dataset?: string;
  readonly steps?: StepRunner;
  /** Where the jobs' container roots go. @default the system's temporary directory */
  readonly workDir?: string;
}

export interface LocalTrainResult {
  readonly model: string;
  readonly executionName: string;
  /**
   * The execution's ARN, as Step Functions gives it (a registered package's lineage names it);
   * the emulator's Step Functions lists and describes it, with its history.
   */
  readonly executionArn: string;
  readonly input: PipelineInput;
  /**
   * The dataset the run trained on, as the pipeline resolved it: the input's, or the version the
   * model's latest.json named when the input asked for `latest`. Undefined when the run failed.
   */
  readonly dataset?: { readonly datasetS3Uri: string; readonly datasetVersion: string };
  readonly status: AuthorizedExecution['status'];
  readonly error?: string;
  readonly cause?: string;
  readonly states: readonly StateEnded[];
  /** The package registered by this run, if the quality gate passed. */
  readonly modelPackageArn?: string;
  /** What the data pipeline did, for a model with one (the run went through it to training). */
  readonly data?: DataPipelineSummary;
  /** The MLflow run that recorded it, and the local server it is in, if it was recorded. */
  readonly tracking?: { readonly runId: string; readonly url?: string };
  /** The metrics the evaluation computed (`auc`, `accuracy`, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Calls the execution checked against the deployed policies (also in `deployment.checked`). */
  readonly checkedCalls: AuthorizedExecution['checked'];
  readonly record: BackendRecord;
}

/** What a data pipeline run did before training: the ETL's counts and the dbt build's results. */
export interface DataPipelineSummary {
  /** The raw version it cleaned. */
  readonly rawDatasetS3Uri: string;
  /** The features folder training read (`features.csv`, `lineage.json`). */
  readonly featuresS3Uri?: string;
  /** The ETL report: rows read, written and quarantined (by reason). */
  readonly etl?: {
    readonly rows_read: number;
    readonly rows_written: number;
    readonly rows_quarantined: number;
    readonly quarantine_reasons: Record<string, number>;
  };
  /** dbt's nodes by status (`success` for models, `pass` for tests), from lineage.json. */
  readonly dbtStatuses?: Record<string, number>;
}

/**
 * Pushes a CSV dataset to the raw bucket as a version of the model's dataset, the way
 * `mlenv data push` does (`DatasetLayout`): the same rows are the same version, and a new version
 * becomes the dataset's latest (what the drift rule's retraining trains on).
 */
export async function uploadDataset(
  deployment: LocalDeployment,
  model: string,
  csv: string,
): Promise<{ readonly input: PipelineInput; readonly latestVersion?: string }> {
  const pushed = await pushDataset(deployment.clients.s3, [fileOf('data.csv', csv)], {
    bucket: deployment.bucket('raw'),
    dataset: model,
    targetColumn: deployment.model(model).targetColumn,
  });
  return {
    input: { datasetS3Uri: pushed.datasetS3Uri, datasetVersion: pushed.version, reason: 'manual' },
    ...(pushed.latestVersion !== undefined ? { latestVersion: pushed.latestVersion } : {}),
  };
}

/** A Step Functions execution name: `<reason>-<UTC time>-<random>` (at most 80 of [A-Za-z0-9-_]). */
export function executionName(reason: string): string {
  const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${reason.replace(/[^A-Za-z0-9-_]/g, '-').slice(0, 40)}-${time}-${randomBytes(3).toString('hex')}`;
}

/**
 * `mlenv local train`: runs the model's training pipeline as deployed in the emulator. The
 * definition is read back from the emulator (and must equal the deployed assembly's, resolved
 * with the emulator's names); every call of every task is checked against the deployed policies
 * before it is made, and a denied one fails its task with AccessDenied, as on AWS.
 */
export async function localTrain(
  deployment: LocalDeployment,
  options: LocalTrainOptions,
): Promise<LocalTrainResult> {
  const steps = options.steps ?? SILENT_STEPS;
  const model = deployment.model(options.model).name;
  // A model with a data pipeline trains through it, as new data does on AWS.
  const dataPipeline = deployment.dataPipeline(model);
  const stateMachine = dataPipeline ?? deployment.trainingPipeline(model);
  const stateMachineArn = deployment.ref(stateMachine);

  const input =
    options.input ??
    (await steps.step(`upload the ${options.dataset ? '' : 'sample '}dataset to the raw bucket`, async () => {
      const csv = options.dataset ?? sampleDataset(deployment.model(model), options.rows);
      const { input: uploaded, latestVersion } = await uploadDataset(deployment, model, csv);
      steps.detail(`${uploaded.datasetS3Uri} (version ${uploaded.datasetVersion})`);
      if (latestVersion !== undefined && latestVersion !== uploaded.datasetVersion) {
        // Pushing rows again never moves `latest.json` back to them: say what retraining will use.
        steps.detail(
          `this version was pushed before: it trains now, but the dataset's latest (what scheduled, new-data and drift retraining train on) stays ${latestVersion}`,
        );
      }
      return uploaded;
    }));

  const definition = await steps.step('read the deployed state machine', async () => {
    const described = await deployment.clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const deployed = JSON.parse(described.definition ?? '{}') as JsonObject;
    if (!isDeepStrictEqual(deployed, deployment.authz.inventory.deployed.definition(stateMachine))) {
      throw new Error(
        `the definition of ${stateMachineArn} in the emulator is not the one of the deployed assembly: redeploy with \`mlenv local up\``,
      );
    }
    steps.detail(stateMachineArn);
    return deployed;
  });

  const name = executionName(input.reason);
  const states: StateEnded[] = [];
  const ended = (state: string, event: ExecutionEvent) => {
    if (event.kind === 'started') return;
    const end: StateEnded = { state, status: event.kind, seconds: (event.durationMs ?? 0) / 1000 };
    states.push(end);
    steps.detail(formatStateEnded(end, event.error));
  };
  const python = await steps.step(`prepare ${model}'s Python`, async () => {
    const prepared = await modelPython(deployment.model(model));
    steps.detail(prepared.note);
    return prepared;
  });
  const executionArn = executionArnOf(stateMachineArn, name);
  const history = new ExecutionHistory(executionArn, stateMachineArn, input);
  const { backend, record } = emulatorBackend(deployment, {
    workDir: options.workDir,
    python: python.python,
    history,
    onChildEvent: (parent, event) => ended(`${parent} > ${event.state}`, event),
  });
  // Recorded where `aws stepfunctions list-executions` and `mlenv status`/`logs` read it: RUNNING
  // from its start, then as it ended (ABORTED when interrupted).
  const execution = await steps.step(`execution ${name}`, () =>
    runRecorded(
      deployment.port,
      history,
      () =>
        runAuthorizedExecution({
          stateMachine,
          definition,
          authz: deployment.authz,
          backend,
          input: input as unknown as JsonObject,
          executionName: name,
          onEvent: (event) => {
            history.stateEvent(event);
            ended(event.state, event);
          },
        }),
      (error) => record.notRecorded.push(`the execution ${executionArn}: ${error.message}`),
    ),
  );
  for (const problem of record.notRecorded) steps.detail(`not recorded in the emulator: ${problem}`);
  const failedChild = record.childExecutions.find((c) => c.execution.status !== 'SUCCEEDED')?.execution;
  const checkedCalls = [...execution.checked, ...record.childExecutions.flatMap((c) => c.execution.checked)];
  deployment.checked.push(...checkedCalls);
  // What training ran on: the training execution's resolved input (the data pipeline's child), or this one's.
  const output = asObject(record.childExecutions.at(-1)?.execution.output) ?? asObject(execution.output);
  return {
    model,
    executionName: name,
    executionArn,
    input,
    dataset:
      typeof output?.datasetS3Uri === 'string' && typeof output.datasetVersion === 'string'
        ? { datasetS3Uri: output.datasetS3Uri, datasetVersion: output.datasetVersion }
        : undefined,
    status: execution.status,
    // A failed training run (the data pipeline's child) is the failure to report, with its own error.
    error: failedChild?.error ?? execution.error,
    cause: failedChild?.cause ?? execution.cause,
    states,
    modelPackageArn: record.registered.at(-1),
    data: dataPipeline ? await dataSummary(deployment, execution) : undefined,
    tracking: await trackedRun(deployment, output),
    metrics: await evaluationMetrics(deployment, record),
    checkedCalls,
    record,
  };
}

/** The MLflow run the training execution recorded (`$.recorded.runId`; `none` is no run). */
async function trackedRun(
  deployment: LocalDeployment,
  output: JsonObject | undefined,
): Promise<LocalTrainResult['tracking']> {
  const runId = asObject(output?.recorded)?.runId;
  if (typeof runId !== 'string' || runId === '' || runId === NO_RUN) return undefined;
  return { runId, url: (await mlflowServerStatus(deployment.stateDir))?.url };
}

/** What the data pipeline's run wrote: the ETL report of the version and the features' lineage. */
async function dataSummary(
  deployment: LocalDeployment,
  execution: AuthorizedExecution,
): Promise<DataPipelineSummary | undefined> {
  const output = asObject(execution.output);
  const run = asObject(output?.run);
  if (typeof output?.datasetS3Uri !== 'string') return undefined;
  const store = new S3ObjectStore(deployment.clients.s3);
  const readJson = async (uri: string) => JSON.parse((await store.get(uri)).toString('utf8')) as JsonObject;
  // The report is one object at exactly `etlReport` (etl.py puts it whole).
  const report = typeof run?.etlReport === 'string' ? run.etlReport : undefined;
  const featuresS3Uri = typeof run?.featuresS3Uri === 'string' ? run.featuresS3Uri : undefined;
  const lineage = featuresS3Uri
    ? await readJson(`${featuresS3Uri}lineage.json`).catch(() => undefined)
    : undefined;
  return {
    rawDatasetS3Uri: output.datasetS3Uri,
    featuresS3Uri,
    etl: report
      ? ((await readJson(report).catch(() => undefined)) as unknown as DataPipelineSummary['etl'])
      : undefined,
    dbtStatuses: asObject(asObject(lineage?.dbt)?.statuses) as Record<string, number> | undefined,
  };
}

/** The metrics of the run's evaluation report. */
async function evaluationMetrics(
  deployment: LocalDeployment,
  record: BackendRecord,
): Promise<Record<string, number>> {
  const evaluate = record.jobs.Evaluate?.description as
    { ProcessingOutputConfig?: { Outputs?: Array<{ S3Output?: { S3Uri: string } }> } } | undefined;
  const output = evaluate?.ProcessingOutputConfig?.Outputs?.[0]?.S3Output?.S3Uri;
  if (!output) return {};
  return readEvaluationMetrics(new S3ObjectStore(deployment.clients.s3), `${output}/evaluation.json`);
}
