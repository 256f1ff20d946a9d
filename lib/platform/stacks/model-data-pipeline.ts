import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Aspects } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  type EnvironmentConfig,
  etlLogGroupPrefix,
  glueDatabaseName,
  type ModelConfig,
  modelResourceName,
} from '../../../config';
import {
  DataCatalog,
  DataPipeline,
  DBT_LOCK_FILE,
  DBT_TARGET_VARIABLE,
  DbtProject,
  type IMlDataStore,
  ModelLayout,
  type PythonBuildEnvironment,
  SparkJob,
} from '../../../constructs';
import { pascalCase } from '../../../cfn/pascal-case';
import { REPO_ROOT } from '../../../config/repo-root';
import { acknowledgeBuildFindings } from '../compliance/build-project-acknowledgements';
import { AcknowledgeDataPipelineFindings } from '../compliance/data-pipeline-acknowledgements';
import { buildLockInstallOptions } from './build-locks';

/** The Glue table the Spark job keeps over the curated rows: the dbt project's `curated.raw_features` source. */
export const CURATED_ROWS_TABLE = 'raw_features';

export interface ModelDataPipelineProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly model: ModelConfig & { readonly dataPipeline: NonNullable<ModelConfig['dataPipeline']> };
  readonly dataStore: IMlDataStore;
  /** Encrypts the Spark job's logs and bookmarks and the dbt builds' artifacts. */
  readonly logsKey: kms.IKey;
  /** Where the dbt builds run and install packages from. */
  readonly buildEnvironment: PythonBuildEnvironment;
  /** The execution history of the data pipeline (retained, in the Training stack). */
  readonly executionLogs: logs.ILogGroup;
  /** The dbt builds' logs (retained, in the Training stack). */
  readonly buildLogs: logs.ILogGroup;
  readonly trainingPipeline: sfn.IStateMachine;
  readonly alerts: sns.ITopic;
  readonly schedule?: events.Schedule;
  readonly scheduleEnabled: boolean;
}

/**
 * The absolute paths of a model's data pipeline code (`dataPipeline` in the configuration, relative
 * to the project's root); throws one error naming the fields whose file or directory is missing.
 */
export function dataPipelineSources(
  model: Pick<ModelConfig, 'name'> & { readonly dataPipeline: NonNullable<ModelConfig['dataPipeline']> },
  root: string = REPO_ROOT,
): { readonly etlScript: string; readonly dbtProject: string } {
  const etlScript = join(root, model.dataPipeline.etlScript);
  const dbtProject = join(root, model.dataPipeline.dbtProject);
  const problems = [
    ...(existsSync(etlScript) && statSync(etlScript).isFile()
      ? []
      : [`etlScript: ${model.dataPipeline.etlScript} is not a file of the project`]),
    ...(existsSync(dbtProject) && statSync(dbtProject).isDirectory()
      ? []
      : [`dbtProject: ${model.dataPipeline.dbtProject} is not a directory of the project`]),
  ];
  if (problems.length > 0) {
    throw new Error(
      `models[${model.name}].dataPipeline: ${problems.join('; ')} (paths are relative to ${root})`,
    );
  }
  return { etlScript, dbtProject };
}

/**
 * A model's data pipeline: its Spark job (the model's `etlScript`), a Glue database and Athena
 * workgroup of its own, its dbt project (the model's `dbtProject`) and the state machine that runs
 * them and then training. Everything it writes stays under `<model>/data/` of the curated bucket.
 */
export function addModelDataPipeline(scope: Construct, props: ModelDataPipelineProps): DataPipeline {
  const { environment, model, dataStore } = props;
  const id = pascalCase(model.name);
  const layout = new ModelLayout(model.name);
  const curated = (key: string) => `s3://${dataStore.curatedBucket.bucketName}/${key}/`;
  const name = modelResourceName(props, model.name);
  const sources = dataPipelineSources(model);

  const catalog = new DataCatalog(scope, `${id}Catalog`, {
    dataStore,
    databaseName: glueDatabaseName(name),
    workGroupName: name,
    tablesPrefix: `${layout.tablesDir}/`,
    resultsPrefix: `${layout.queryResultsDir}/`,
  });
  const sparkJob = new SparkJob(scope, `${id}Etl`, {
    jobName: modelResourceName(props, model.name, 'etl'),
    // Declared, retained and encrypted in the Training stack.
    logGroupPrefix: etlLogGroupPrefix(props, model.name),
    dataStore,
    scriptPath: sources.etlScript,
    logsKey: props.logsKey,
    rawKeyPattern: layout.allObjects,
    curatedKeyPattern: `${layout.dataDir}/*`,
    workerType: environment.data.workerType,
    numberOfWorkers: environment.data.numberOfWorkers,
    defaultArguments: {
      '--curated': curated(layout.curatedRowsDir),
      '--quarantine': curated(layout.quarantineDir),
      '--TempDir': curated(layout.sparkTemporaryDir),
      '--target-column': model.targetColumn,
      '--glue-table': `${catalog.databaseName}.${CURATED_ROWS_TABLE}`,
    },
  });
  catalog.grantDefineTable(sparkJob.role, CURATED_ROWS_TABLE);
  const dbtProject = new DbtProject(scope, `${id}Features`, {
    projectName: modelResourceName(props, model.name, 'dbt'),
    projectPath: sources.dbtProject,
    installOptions: buildLockInstallOptions(sources.dbtProject, DBT_LOCK_FILE),
    buildEnvironment: props.buildEnvironment,
    catalog,
    logsKey: props.logsKey,
    logGroup: props.buildLogs,
    environmentVariables: { MLENV_FEATURES_PREFIX: curated(layout.featuresPrefix.replace(/\/$/, '')) },
    afterBuild: [
      `python export_features.py "\${${DBT_TARGET_VARIABLE}}" --destination "\${MLENV_FEATURES_PREFIX}\${MLENV_DATASET_VERSION}/"`,
    ],
  });
  // Athena reads the Spark job's rows (the source table) with the build's own credentials.
  dataStore.grantReadCurated(dbtProject.role, `${layout.curatedRowsDir}/*`);
  // The export reads the query result and writes the version's features and lineage.
  dataStore.grantReadWriteCurated(dbtProject.role, `${layout.featuresPrefix}*`);

  Aspects.of(scope).add(
    new AcknowledgeDataPipelineFindings({
      sparkJob,
      trainingPipeline: props.trainingPipeline,
      logsKey: props.logsKey,
    }),
  );
  acknowledgeBuildFindings(dbtProject.project, props.buildLogs, props.logsKey);
  return new DataPipeline(scope, `${id}DataPipeline`, {
    modelName: model.name,
    dataStore,
    sparkJob,
    dbtProject,
    trainingPipeline: props.trainingPipeline,
    notifications: props.alerts,
    logGroup: props.executionLogs,
    schedule: props.schedule,
    scheduleEnabled: props.scheduleEnabled,
  });
}
