import { DatasetLayout } from './dataset-layout';

/**
 * Where one model's data lives in the data store's buckets, and how its SageMaker jobs are named:
 * the one description of that layout, used by the training pipeline, the job role, the endpoint,
 * the drift monitor, the dashboard and the alarms.
 *
 * Keys are relative to their bucket; a `...Dir` is a folder, without the trailing slash. A run id
 * is a literal, or `{}` where the pipeline fills it in at run time with `States.Format`.
 *
 * ```
 * raw/         <model>/versions/<version>/...           the model's dataset (DatasetLayout)
 *              <model>/latest.json                      its newest version
 * curated/     <model>/runs/<run>/<split>/              train, validation, test, baseline splits
 *              <model>/data/rows/ingestion_date=<d>/     the data pipeline's typed rows (Parquet)
 *              <model>/data/quarantine/ingestion_date=<d>/  the rows it could not parse
 *              <model>/data/etl-reports/<version>/report.json  its counts for one dataset version
 *              <model>/data/tables/<table>/             the dbt models' tables (Athena)
 *              <model>/data/athena-results/             query results
 *              <model>/data/features/<version>/         the features training reads (CSV)
 *              <model>/data/glue-temporary/             the Spark job's temporary files
 * models/      <model>/runs/<run>/<job>/output/...      the training job's artifact
 *              <model>/runs/<run>/evaluation/evaluation.json
 *              <model>/runs/<run>/baseline/{statistics,constraints}.json
 *              <model>/checkpoints/<run>/               spot training checkpoints
 * monitoring/  <model>/data-capture/...                 endpoint requests and responses
 *              <model>/async/input/...                  requests to its asynchronous endpoint
 *              <model>/async/output/<id>.out             their answers (SageMaker names them)
 *              <model>/async/failures/<id>-error.out     why a request failed
 *              <model>/data-quality/...                 drift check reports
 *              <model>/ground-truth/yyyy/mm/dd/hh/...   labels pushed for captured inference ids
 *              <model>/model-quality/...                model-quality check reports
 * raw/         <model>/batches/<batch>/input/<files>    a batch to score (CSV rows of features, no header)
 *              <model>/batches/latest.json              the newest batch (`LatestBatch`), written after its files
 * curated/     <model>/batches/<batch>/predictions/<file>.out  each input line joined with its prediction
 * ```
 *
 * A batch id is a run-time string of the grammar's `name` kind (`run-strings.ts`).
 */
export class ModelLayout {
  /** The splits the preprocessing step writes, in the order it writes them. */
  public static readonly SPLITS = ['train', 'validation', 'test', 'baseline'] as const;
  /** The files of a data-quality baseline (Model Monitor's analyzer output). */
  public static readonly BASELINE_FILES = ['statistics.json', 'constraints.json'] as const;

  constructor(public readonly modelName: string) {}

  /** Every object of the model in any of the buckets. */
  public get allObjects(): string {
    return `${this.modelName}/*`;
  }

  /** The model's dataset in the raw bucket: named after the model, laid out as `DatasetLayout` says. */
  public get datasetName(): string {
    return this.modelName;
  }

  /** The prefix of the model's dataset in the raw bucket. */
  public get datasetPrefix(): string {
    return DatasetLayout.prefix(this.datasetName);
  }

  /** The pointer to the newest version of the model's dataset, in the raw bucket. */
  public get latestDatasetKey(): string {
    return DatasetLayout.latestKey(this.datasetName);
  }

  /** Everything the data pipeline keeps in the curated bucket. */
  public get dataDir(): string {
    return `${this.modelName}/data`;
  }

  /** The data pipeline's typed rows, partitioned by ingestion date (Parquet), in the curated bucket. */
  public get curatedRowsDir(): string {
    return `${this.dataDir}/rows`;
  }

  /** The raw rows the data pipeline could not parse, with the reason, in the curated bucket. */
  public get quarantineDir(): string {
    return `${this.dataDir}/quarantine`;
  }

  /** The folder of the data pipeline's counts for one dataset version, in the curated bucket. */
  public etlReportDir(version: string): string {
    return `${this.dataDir}/etl-reports/${version}`;
  }

  /** The data pipeline's counts for one dataset version (one object, put whole), in the curated bucket. */
  public etlReportKey(version: string): string {
    return `${this.etlReportDir(version)}/report.json`;
  }

  /** The Spark job's temporary files, in the curated bucket. */
  public get sparkTemporaryDir(): string {
    return `${this.dataDir}/glue-temporary`;
  }

  /** The dbt models' tables, in the curated bucket. */
  public get tablesDir(): string {
    return `${this.dataDir}/tables`;
  }

  /** Athena's query results, in the curated bucket. */
  public get queryResultsDir(): string {
    return `${this.dataDir}/athena-results`;
  }

  /** Where the features of every dataset version go, in the curated bucket. */
  public get featuresPrefix(): string {
    return `${this.dataDir}/features/`;
  }

  /** The features (CSV) built from one dataset version, which training reads, in the curated bucket. */
  public featuresDir(version: string): string {
    return `${this.featuresPrefix}${version}`;
  }

  /** One run's folder (curated splits; artifacts, evaluation and baseline in the models bucket). */
  public runDir(runId: string): string {
    return `${this.modelName}/runs/${runId}`;
  }

  /** One split of a run, in the curated bucket. */
  public splitDir(runId: string, split: (typeof ModelLayout.SPLITS)[number]): string {
    return `${this.runDir(runId)}/${split}`;
  }

  /** The folder of a run's evaluation report, in the models bucket. */
  public evaluationDir(runId: string): string {
    return `${this.runDir(runId)}/evaluation`;
  }

  /** The evaluation report of a run, in the models bucket. */
  public evaluationKey(runId: string): string {
    return `${this.evaluationDir(runId)}/evaluation.json`;
  }

  /** The folder of a run's data-quality baseline, in the models bucket. */
  public baselineDir(runId: string): string {
    return `${this.runDir(runId)}/baseline`;
  }

  /** A file of a run's data-quality baseline, in the models bucket. */
  public baselineKey(runId: string, file: (typeof ModelLayout.BASELINE_FILES)[number]): string {
    return `${this.baselineDir(runId)}/${file}`;
  }

  /** Spot training checkpoints of a run, in the models bucket. */
  public checkpointDir(runId: string): string {
    return `${this.modelName}/checkpoints/${runId}`;
  }

  /** Endpoint data capture, in the monitoring bucket (SageMaker appends endpoint, variant and date). */
  public get dataCaptureDir(): string {
    return `${this.modelName}/data-capture`;
  }

  /** Where callers put requests for the model's asynchronous endpoint, in the monitoring bucket. */
  public get asyncInputDir(): string {
    return `${this.modelName}/async/input`;
  }

  /** Where the asynchronous endpoint writes its answers (`<inference id>.out`), in the monitoring bucket. */
  public get asyncOutputDir(): string {
    return `${this.modelName}/async/output`;
  }

  /** Where the asynchronous endpoint writes why a request failed (`<inference id>-error.out`), in the monitoring bucket. */
  public get asyncFailureDir(): string {
    return `${this.modelName}/async/failures`;
  }

  /** Data-quality check reports, in the monitoring bucket. */
  public get dataQualityDir(): string {
    return `${this.modelName}/data-quality`;
  }

  /**
   * Ground-truth labels, in the monitoring bucket: Model Monitor's model-quality job reads them
   * under this prefix in the capture's hourly layout (`yyyy/mm/dd/hh/`, see `groundTruthKey`).
   */
  public get groundTruthDir(): string {
    return `${this.modelName}/ground-truth`;
  }

  /**
   * One object of ground-truth labels pushed at `at` (UTC): `<ground truth>/yyyy/mm/dd/hh/<file>`,
   * the hour folder Model Monitor expects (the same layout as captured data).
   */
  public groundTruthKey(at: Date, file: string): string {
    const two = (n: number) => String(n).padStart(2, '0');
    const hour = `${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${two(at.getUTCHours())}`;
    return `${this.groundTruthDir}/${hour}/${file}`;
  }

  /** Model-quality check reports (statistics.json, constraint_violations.json), in the monitoring bucket. */
  public get modelQualityDir(): string {
    return `${this.modelName}/model-quality`;
  }

  /** Every batch of the model: inputs and pointer in the raw bucket, predictions in the curated one. */
  public get batchesPrefix(): string {
    return `${this.modelName}/batches/`;
  }

  /** The folder of one batch's input files (CSV rows of features, no header), in the raw bucket. */
  public batchInputDir(batchId: string): string {
    return `${this.batchesPrefix}${batchId}/input`;
  }

  /** The folder of one batch's predictions (`<file>.out`, each input line with its prediction), in the curated bucket. */
  public batchPredictionsDir(batchId: string): string {
    return `${this.batchesPrefix}${batchId}/predictions`;
  }

  /** The pointer to the newest complete batch (`LatestBatch`), in the raw bucket; written after its files. */
  public get latestBatchKey(): string {
    return `${this.batchesPrefix}latest.json`;
  }

  /** The name of the job of one pipeline step in one run: `<model>-<step>-<run>`. */
  public jobName(step: string, runId: string): string {
    return `${this.jobNamePrefix(step)}${runId}`;
  }

  /** What every job name of one step starts with; with no step, of every step. */
  public jobNamePrefix(step?: string): string {
    return step === undefined ? `${this.modelName}-` : `${this.modelName}-${step}-`;
  }
}

/** The `batchId` of a batch transform's input that asks for the batch `latest.json` names. */
export const LATEST_BATCH = 'latest';

/** The job step of batch transforms: their jobs are `<model>-batch-<id>`. */
export const BATCH_JOB_STEP = 'batch';

/** `<model>/batches/latest.json`: the newest complete batch of a model. */
export interface LatestBatch {
  readonly batchId: string;
}
