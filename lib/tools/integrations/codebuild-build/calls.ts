import { asList, asObject, type JsonObject } from '../../../../cfn/json-values';
import { TRACKING_SERVER_ARN } from '../../../../constructs';
import { s3Arn } from '../../calls/arns';
import { parseS3Uri } from '../../../ops/s3-uri';
import type { DeployedResource, DeployedStage } from '../../calls/deployed-assembly';
import type { CatalogTable } from '../glue-job-run/calls';
import { jobArn } from '../sagemaker-job/job-calls';
import { buildPlacementCalls, packageInstallCalls } from '../../calls/package-install-calls';
import type { PolicyInventory } from '../../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../../calls/run-time-call';
import { type Caller, objectUnder, s3ReadCalls, s3WriteCalls } from '../../calls/s3-object-calls';

/**
 * The environment variables through which a build running dbt against Athena is told where
 * (constructs/data/dbt-project.ts sets them; `profiles.yml` reads them): the Glue database (dbt's
 * schema), the workgroup, where query results and table data go.
 */
export const DBT_ENVIRONMENT = {
  database: 'MLENV_GLUE_DATABASE',
  workGroup: 'MLENV_ATHENA_WORKGROUP',
  results: 'MLENV_ATHENA_RESULTS',
  tables: 'MLENV_TABLES_LOCATION',
} as const;

/**
 * The environment variables that make a build a run recorder's (constructs/tracking/run-recorder.ts
 * sets them, the training pipeline's `RecordRun` and `LinkRun` states override them;
 * `ml/tracking/record_run.py` reads them): what to do (`record` or `link`), the evaluation report
 * a `record` reads, and where runs are recorded.
 */
export const RECORDER_ENVIRONMENT = {
  action: 'MLENV_ACTION',
  evaluation: 'MLENV_EVALUATION',
  modelArtifact: 'MLENV_MODEL_ARTIFACT',
  trackingUri: 'MLFLOW_TRACKING_URI',
  /** Where the model's experiment keeps run artifacts (`experimentArtifactLocation`). */
  artifactLocation: 'MLENV_ARTIFACT_LOCATION',
  /** A tuned run's tuning job, whose trials it records as child runs. */
  tuningJob: 'MLENV_TUNING_JOB',
} as const;

/**
 * The artifacts `record_run.py record` logs in a run, by their path in the run (its
 * `EVALUATION_ARTIFACT` and `MODEL_ARTIFACT_DIR`/`MODEL_ARCHIVE`): MLflow keys them
 * `<experiment's artifact location><run id>/artifacts/<path>`, the location the recorder passes
 * (`MLENV_ARTIFACT_LOCATION`), or by default `<artifact store URI><experiment id>/`.
 */
export const RECORDED_RUN_ARTIFACTS = { evaluation: 'evaluation.json', model: 'model/model.tar.gz' } as const;
/** A run's artifact folder under its experiment's location, as MLflow names it (a sample run). */
const SAMPLE_RUN_ARTIFACTS = `${'0123456789abcdef'.repeat(2)}/artifacts/`;
/** The id MLflow gives an experiment created without a location (a sample): its folder under the store. */
const SAMPLE_EXPERIMENT_ID = '1';

/**
 * What `record_run.py record` asks of a SageMaker managed tracking server with the MLflow client
 * (IAM authorizes each MLflow API as a `sagemaker-mlflow` action on the server): `set_experiment`
 * looks the experiment up by name and creates it if needed (then reads it back), `start_run`
 * creates the run, `log_params` and `log_metrics` log batches, ending the run updates it; and
 * reading the run back.
 */
export const RECORD_RUN_MLFLOW_ACTIONS = [
  'sagemaker-mlflow:GetExperimentByName',
  'sagemaker-mlflow:CreateExperiment',
  'sagemaker-mlflow:GetExperiment',
  'sagemaker-mlflow:CreateRun',
  'sagemaker-mlflow:LogBatch',
  'sagemaker-mlflow:UpdateRun',
  'sagemaker-mlflow:GetRun',
] as const;
/** What `record_run.py link` asks: tagging the run (`MlflowClient.set_tag`), and reading it. */
export const LINK_RUN_MLFLOW_ACTIONS = ['sagemaker-mlflow:SetTag', 'sagemaker-mlflow:GetRun'] as const;

/** A stand-in for what dbt names at run time: a build's id, a query's id, a model's table. */
const SAMPLE_BUILD_UUID = '01234567-89ab-4def-8123-456789abcdef';
const SAMPLE_QUERY_ID = '76543210-fedc-4ba9-8765-43210fedcba9';
/** The table a model becomes (dbt names tables after the project's models, which the templates do not list). */
export const SAMPLE_DBT_TABLE = 'dbt_model';

/** The ARN CodeBuild gives a project. */
export function codeBuildProjectArn(stage: DeployedStage, name: string): string {
  return `arn:${stage.partition}:codebuild:${stage.region}:${stage.account}:project/${name}`;
}

/** The `AWS::CodeBuild::Project` of `stage` named `name`, if the assembly defines it. */
export function findCodeBuildProject(
  inventory: PolicyInventory,
  stage: DeployedStage,
  name: string,
): DeployedResource | undefined {
  const { deployed } = inventory;
  return deployed.ofType('AWS::CodeBuild::Project', stage).find((p) => deployed.ref(p) === name);
}

/**
 * Every request a build of `project` makes through its service role, with `overrides` (the
 * task's `EnvironmentVariablesOverride`) over the project's environment variables: CodeBuild
 * assuming the role (the project as `aws:SourceArn`); reading an S3 source; writing its
 * CloudWatch Logs stream; and, for a build that runs dbt against Athena (`DBT_ENVIRONMENT`), what
 * dbt-athena does: the workgroup's queries, the Glue catalog calls on the database and a model's
 * table (with their partitions), Athena writing and reading back query results (under the
 * workgroup's enforced location and key) and writing, reading and replacing the table's data
 * (`<tables location><database>/<table>/<uuid>/`, dbt-athena's default `schema_table_unique`);
 * for a run recorder's build (`RECORDER_ENVIRONMENT`), what `record_run.py` does: reading the
 * evaluation report and recording the run, or tagging it, on the tracking server its URI names;
 * what a build command exports (`--destination s3://...`, the environment's variables expanded),
 * written under the bucket's default key; what pip's login to a CodeArtifact repository and its
 * install from it ask (through the VPC's endpoints, for a build in a VPC), and what CodeBuild
 * asks to place a build in its VPC.
 */
export function codeBuildBuildCalls(
  inventory: PolicyInventory,
  project: DeployedResource,
  overrides: readonly unknown[],
  originPath: string,
  detail: string,
  /** Tables that earlier steps register over their data (a Glue job's `--glue-table`): dbt's sources. */
  sourceTables: readonly CatalogTable[] = [],
): DerivedCalls {
  const { stage, properties } = project;
  const name = inventory.deployed.ref(project);
  const projectArn = codeBuildProjectArn(stage, name);
  const roleArn = String(properties.ServiceRole);
  const caller = (what: string): Caller => ({
    stage: stage.id,
    principal: roleArn,
    ...origin(originPath, `${detail} build ${what}`),
  });
  const problems: string[] = [];
  const calls: RunTimeCall[] = [
    {
      ...caller('role'),
      principal: 'codebuild.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: roleArn,
      context: { 'aws:SourceAccount': stage.account, 'aws:SourceArn': projectArn },
    },
  ];
  const source = asObject(properties.Source);
  if (source?.Type === 'S3' && typeof source.Location === 'string') {
    const uri = `s3://${source.Location}`;
    // CodeBuild reads the source object and, on its bucket, the ACL and location (AWS's documented
    // service role policy).
    calls.push(
      ...s3ReadCalls(inventory, caller('source'), uri),
      bucketLocation(inventory, caller('source'), uri),
      { ...bucketLocation(inventory, caller('source'), uri), action: 's3:GetBucketAcl' },
    );
  } else if (source?.Type !== 'NO_SOURCE' && source?.Type !== 'CODEPIPELINE') {
    problems.push(`CodeBuild project ${name}: no model of a ${String(source?.Type)} source`);
  }
  calls.push(...buildLogCalls(caller('logs'), stage, name, asObject(properties.LogsConfig)));

  const environment = new Map<string, string>();
  for (const variable of [...asList(asObject(properties.Environment)?.EnvironmentVariables), ...overrides]) {
    const { Name, Value } = asObject(variable) ?? {};
    if (typeof Name === 'string' && typeof Value === 'string') environment.set(Name, Value);
  }
  if (environment.has(DBT_ENVIRONMENT.workGroup) || environment.has(DBT_ENVIRONMENT.database)) {
    const dbt = dbtCalls(inventory, stage, environment, caller, sourceTables);
    calls.push(...dbt.calls);
    problems.push(...dbt.problems.map((p) => `CodeBuild project ${name}: ${p}`));
  }
  if (environment.has(RECORDER_ENVIRONMENT.action)) {
    const recorder = recorderCalls(inventory, stage, environment, caller);
    calls.push(...recorder.calls);
    problems.push(...recorder.problems.map((p) => `CodeBuild project ${name}: ${p}`));
  }
  calls.push(...buildPlacementCalls(project, caller('network interface')));
  const packages = packageInstallCalls(
    inventory,
    project,
    buildSpecCommands(source?.BuildSpec),
    caller('packages'),
  );
  calls.push(...packages.calls);
  problems.push(...packages.problems.map((p) => `CodeBuild project ${name}: ${p}`));
  // A command that exports what the build made (`--destination s3://...`) writes there.
  for (const destination of destinations(source?.BuildSpec)) {
    const expanded = destination.replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (whole, braced, bare) => environment.get(braced ?? bare) ?? whole,
    );
    if (!expanded.startsWith('s3://') || expanded.includes('$')) {
      problems.push(`CodeBuild project ${name}: cannot resolve the destination ${destination} (${expanded})`);
      continue;
    }
    calls.push(...s3WriteCalls(inventory, caller('destination'), objectUnder(expanded.replace(/\/?$/, '/'))));
  }
  return { calls, problems };
}

/** The variables a project's builds export (its JSON buildspec's `env.exported-variables`). */
export function exportedVariables(project: DeployedResource): string[] {
  const spec = jsonBuildSpec(asObject(project.properties.Source)?.BuildSpec);
  return asList(asObject(spec?.env)?.['exported-variables']).filter(
    (v): v is string => typeof v === 'string',
  );
}

/** A buildspec as CDK renders one (JSON); undefined for a YAML buildspec or a file of the source. */
function jsonBuildSpec(buildSpec: unknown): JsonObject | undefined {
  if (typeof buildSpec !== 'string') return undefined;
  try {
    return asObject(JSON.parse(buildSpec));
  } catch {
    return undefined;
  }
}

/** The commands of every phase of a buildspec (a JSON buildspec, as CDK renders one). */
function buildSpecCommands(buildSpec: unknown): string[] {
  const spec = jsonBuildSpec(buildSpec); // a YAML buildspec or a file name in the source: not read here
  const phases = Object.values(asObject(spec?.phases) ?? {});
  return phases.flatMap((phase) => asList(asObject(phase)?.commands)).map(String);
}

/** The `--destination` arguments of a buildspec's commands. */
function destinations(buildSpec: unknown): string[] {
  return buildSpecCommands(buildSpec).flatMap((command) =>
    [...command.matchAll(/--destination(?:=|\s+)(?:"([^"]*)"|'([^']*)'|(\S+))/g)].map(
      (m) => m[1] ?? m[2] ?? m[3],
    ),
  );
}

/** A build writing its log stream (the group CodeBuild's default or the project's own). */
function buildLogCalls(
  caller: Caller,
  stage: DeployedStage,
  project: string,
  logs?: JsonObject,
): RunTimeCall[] {
  const cloudWatch = asObject(logs?.CloudWatchLogs);
  if (cloudWatch?.Status === 'DISABLED') return [];
  const group =
    typeof cloudWatch?.GroupName === 'string' ? cloudWatch.GroupName : `/aws/codebuild/${project}`;
  const groupArn = `arn:${stage.partition}:logs:${stage.region}:${stage.account}:log-group:${group}`;
  const streamName =
    typeof cloudWatch?.StreamName === 'string'
      ? `${cloudWatch.StreamName}/${SAMPLE_BUILD_UUID}`
      : SAMPLE_BUILD_UUID;
  const stream = `${groupArn}:log-stream:${streamName}`;
  return [
    // CodeBuild creates its default group on first use; a project's own group exists.
    ...(cloudWatch?.GroupName === undefined
      ? [{ ...caller, action: 'logs:CreateLogGroup', resource: groupArn }]
      : []),
    { ...caller, action: 'logs:CreateLogStream', resource: stream },
    { ...caller, action: 'logs:PutLogEvents', resource: stream },
  ];
}

/** What `dbt build` with the dbt-athena adapter asks of Athena, Glue and S3 through the build's role. */
function dbtCalls(
  inventory: PolicyInventory,
  stage: DeployedStage,
  environment: ReadonlyMap<string, string>,
  caller: (what: string) => Caller,
  sourceTables: readonly CatalogTable[],
): DerivedCalls {
  const problems: string[] = [];
  const calls: RunTimeCall[] = [];
  const { deployed } = inventory;
  const workGroupName = environment.get(DBT_ENVIRONMENT.workGroup);
  const databaseName = environment.get(DBT_ENVIRONMENT.database);
  if (!workGroupName || !databaseName) {
    return {
      calls,
      problems: [`a dbt build needs both ${DBT_ENVIRONMENT.workGroup} and ${DBT_ENVIRONMENT.database}`],
    };
  }
  const arn = (service: string, resource: string) =>
    `arn:${stage.partition}:${service}:${stage.region}:${stage.account}:${resource}`;

  // Athena: the workgroup (dbt-athena reads its settings), each query started and followed.
  const workGroup = deployed
    .ofType('AWS::Athena::WorkGroup', stage)
    .find((w) => w.properties.Name === workGroupName);
  if (!workGroup) problems.push(`Athena workgroup ${workGroupName} is not in the assembly`);
  const workGroupArn = arn('athena', `workgroup/${workGroupName}`);
  for (const action of [
    'athena:GetWorkGroup',
    'athena:StartQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
  ]) {
    calls.push({ ...caller('queries'), action, resource: workGroupArn });
  }
  const configuration = asObject(workGroup?.properties.WorkGroupConfiguration);
  const results = asObject(configuration?.ResultConfiguration);
  const enforced = configuration?.EnforceWorkGroupConfiguration === true;
  const resultsLocation =
    (enforced && typeof results?.OutputLocation === 'string' ? results.OutputLocation : undefined) ??
    environment.get(DBT_ENVIRONMENT.results) ??
    (typeof results?.OutputLocation === 'string' ? results.OutputLocation : undefined);
  const encryption = asObject(results?.EncryptionConfiguration);
  const queryKey = /^(SSE|CSE)_KMS$/.test(String(encryption?.EncryptionOption))
    ? inventory.keyArn(encryption?.KmsKey, stage)
    : undefined;
  if (resultsLocation) {
    // Athena writes each query's results as the caller, and reads them back for GetQueryResults.
    const folder = resultsLocation.endsWith('/') ? resultsLocation : `${resultsLocation}/`;
    for (const file of [`${SAMPLE_QUERY_ID}.csv`, `${SAMPLE_QUERY_ID}.csv.metadata`]) {
      calls.push(
        ...s3WriteCalls(inventory, caller('query results'), `${folder}${file}`, queryKey),
        ...s3ReadCalls(inventory, caller('query results'), `${folder}${file}`),
      );
    }
    calls.push(bucketLocation(inventory, caller('query results'), folder));
  } else {
    problems.push(
      `no query result location: neither workgroup ${workGroupName} nor ${DBT_ENVIRONMENT.results} names one`,
    );
  }

  // Glue Data Catalog: IAM checks the catalog, the database and the table of each call.
  const database = deployed
    .ofType('AWS::Glue::Database', stage)
    .find((d) => asObject(d.properties.DatabaseInput)?.Name === databaseName);
  if (!database) problems.push(`Glue database ${databaseName} is not in the assembly`);
  const catalog = arn('glue', 'catalog');
  const databaseArn = arn('glue', `database/${databaseName}`);
  const table = arn('glue', `table/${databaseName}/${SAMPLE_DBT_TABLE}`);
  const catalogCalls = (actions: readonly string[], resources: readonly string[], what = 'catalog') =>
    actions.flatMap((action) => resources.map((resource) => ({ ...caller(what), action, resource })));
  calls.push(
    ...catalogCalls(['glue:GetDatabase'], [catalog, databaseArn]),
    ...catalogCalls(['glue:GetTables'], [catalog, databaseArn, arn('glue', `table/${databaseName}/*`)]),
    ...catalogCalls(
      [
        'glue:GetTable',
        'glue:CreateTable',
        'glue:UpdateTable',
        'glue:DeleteTable',
        'glue:GetPartitions',
        'glue:BatchCreatePartition',
        'glue:BatchDeletePartition',
      ],
      [catalog, databaseArn, table],
    ),
  );

  // dbt's sources: tables of the database over data an earlier step wrote, read by Athena as the caller.
  for (const source of sourceTables.filter((t) => t.database === databaseName)) {
    calls.push(
      ...catalogCalls(
        ['glue:GetTable'],
        [catalog, databaseArn, arn('glue', `table/${databaseName}/${source.table}`)],
        `source ${source.table}`,
      ),
      ...s3ReadCalls(
        inventory,
        caller(`source ${source.table}`),
        objectUnder(
          source.ingestionDate
            ? `${source.location}ingestion_date=${source.ingestionDate}/`
            : source.location,
          'part-00000.snappy.parquet',
        ),
        { listPrefix: parseS3Uri(source.location).key },
      ),
    );
  }

  // A model's table data: written by Athena (CTAS) as the caller, read by later queries, replaced.
  const tablesLocation =
    environment.get(DBT_ENVIRONMENT.tables) ??
    (() => {
      const uri = asObject(database?.properties.DatabaseInput)?.LocationUri;
      return typeof uri === 'string' ? uri : undefined;
    })();
  if (tablesLocation) {
    const tableFolder = `${tablesLocation.replace(/\/?$/, '/')}${databaseName}/${SAMPLE_DBT_TABLE}/`;
    const object = objectUnder(`${tableFolder}${SAMPLE_BUILD_UUID}/`);
    const { bucket, key } = parseS3Uri(object);
    const partition = inventory.buckets.get(bucket)?.stage.partition ?? 'aws';
    calls.push(
      ...s3WriteCalls(inventory, caller('table data'), object, queryKey),
      ...s3ReadCalls(inventory, caller('table data'), object, { listPrefix: parseS3Uri(tableFolder).key }),
      { ...caller('table data'), action: 's3:DeleteObject', resource: s3Arn(partition, bucket, key) },
    );
  } else {
    problems.push(
      `no table location: neither ${DBT_ENVIRONMENT.tables} nor database ${databaseName} names one`,
    );
  }
  return { calls, problems };
}

/**
 * What `record_run.py` asks through the build's role (`MLENV_ACTION`): `record` reads the
 * evaluation report (`MLENV_EVALUATION`, an `s3://` URI; a local path is read from the build's own
 * disk) and records the run; `link` tags it. With a SageMaker tracking server's ARN as
 * `MLFLOW_TRACKING_URI`, each MLflow request is a `sagemaker-mlflow` action on that ARN, and a
 * `record` also reads the model archive (`MLENV_MODEL_ARTIFACT`) and logs it and the report as
 * the run's artifacts: the MLflow client puts them itself, with the build's credentials, in the
 * server's artifact store (its `ArtifactStoreUri`, under the bucket's default key; a model archive
 * past boto3's multipart threshold is also `kms:Decrypt`, as S3 asks for a multipart upload with
 * SSE-KMS); a tuned run's (`MLENV_TUNING_JOB`) also describes its tuning job and lists its trials.
 * With none the script records nothing, and an `http://` or `file:` URI asks nothing of IAM.
 */
function recorderCalls(
  inventory: PolicyInventory,
  stage: DeployedStage,
  environment: ReadonlyMap<string, string>,
  caller: (what: string) => Caller,
): DerivedCalls {
  const calls: RunTimeCall[] = [];
  const problems: string[] = [];
  const action = environment.get(RECORDER_ENVIRONMENT.action);
  if (action !== 'record' && action !== 'link') {
    return {
      calls,
      problems: [`${RECORDER_ENVIRONMENT.action} is ${String(action)}: a run recorder only records or links`],
    };
  }
  const trackingUri = environment.get(RECORDER_ENVIRONMENT.trackingUri) ?? '';
  if (action === 'record') {
    const evaluation = environment.get(RECORDER_ENVIRONMENT.evaluation);
    if (evaluation?.startsWith('s3://')) {
      if (evaluation.includes('$')) {
        problems.push(`cannot resolve the evaluation report ${evaluation}`);
      } else {
        calls.push(...s3ReadCalls(inventory, caller('evaluation'), evaluation));
      }
    }
  }
  if (trackingUri === '') return { calls, problems }; // no server: the script warns and records nothing
  if (!TRACKING_SERVER_ARN.test(trackingUri)) {
    if (trackingUri.startsWith('arn:') || trackingUri.includes('$')) {
      problems.push(`${RECORDER_ENVIRONMENT.trackingUri} ${trackingUri} is not a tracking server's ARN`);
    }
    return { calls, problems }; // an http:// or file: store: no AWS request
  }
  const actions = action === 'record' ? RECORD_RUN_MLFLOW_ACTIONS : LINK_RUN_MLFLOW_ACTIONS;
  for (const mlflowAction of actions) {
    calls.push({ ...caller(`MLflow ${action}`), action: mlflowAction, resource: trackingUri });
  }
  if (action === 'record') {
    const artifacts = runArtifactCalls(inventory, environment, trackingUri, caller);
    calls.push(...artifacts.calls);
    problems.push(...artifacts.problems);
    // A tuned run's trials become child runs: the tuning job described, its trials listed.
    const tuningJob = environment.get(RECORDER_ENVIRONMENT.tuningJob);
    if (tuningJob?.includes('$')) problems.push(`cannot resolve the tuning job ${tuningJob}`);
    else if (tuningJob !== undefined) {
      for (const verb of ['DescribeHyperParameterTuningJob', 'ListTrainingJobsForHyperParameterTuningJob']) {
        calls.push({
          ...caller('tuning trials'),
          action: `sagemaker:${verb}`,
          resource: jobArn(stage, 'hyper-parameter-tuning-job', tuningJob),
        });
      }
    }
  }
  return { calls, problems };
}

/** A `record` on a SageMaker tracking server: the model archive read, both artifacts put in its store. */
function runArtifactCalls(
  inventory: PolicyInventory,
  environment: ReadonlyMap<string, string>,
  trackingUri: string,
  caller: (what: string) => Caller,
): DerivedCalls {
  const calls: RunTimeCall[] = [];
  const problems: string[] = [];
  const model = environment.get(RECORDER_ENVIRONMENT.modelArtifact);
  if (model?.startsWith('s3://')) {
    if (model.includes('$')) problems.push(`cannot resolve the model archive ${model}`);
    else calls.push(...s3ReadCalls(inventory, caller('model archive'), model));
  }
  const [, partition, region, account, name] = TRACKING_SERVER_ARN.exec(trackingUri) ?? [];
  const server = inventory.deployed
    .ofType('AWS::SageMaker::MlflowTrackingServer')
    .find(
      (s) =>
        s.properties.TrackingServerName === name &&
        s.stage.partition === partition &&
        s.stage.region === region &&
        s.stage.account === account,
    );
  const store = server?.properties.ArtifactStoreUri;
  if (typeof store !== 'string' || !store.startsWith('s3://')) {
    problems.push(`tracking server ${trackingUri}: no S3 artifact store in the assembly`);
    return { calls, problems };
  }
  const location = environment.get(RECORDER_ENVIRONMENT.artifactLocation);
  if (location !== undefined && (location.includes('$') || !location.startsWith('s3://'))) {
    problems.push(`cannot resolve the experiment's artifact location ${location}`);
    return { calls, problems };
  }
  const experimentFolder = location ?? `${store.replace(/\/?$/, '/')}${SAMPLE_EXPERIMENT_ID}/`;
  const folder = `${experimentFolder.replace(/\/?$/, '/')}${SAMPLE_RUN_ARTIFACTS}`;
  const archivePut = s3WriteCalls(
    inventory,
    caller('model artifact'),
    `${folder}${RECORDED_RUN_ARTIFACTS.model}`,
  );
  calls.push(
    ...s3WriteCalls(
      inventory,
      caller('evaluation artifact'),
      `${folder}${RECORDED_RUN_ARTIFACTS.evaluation}`,
    ),
    ...archivePut,
    // The archive may go up in parts (boto3's upload_file above its multipart threshold): each part
    // decrypts the upload's data key, and an upload that fails is aborted.
    ...s3ReadCalls(inventory, caller('model artifact'), `${folder}${RECORDED_RUN_ARTIFACTS.model}`).filter(
      (c) => c.action === 'kms:Decrypt',
    ),
    ...archivePut
      .filter((c) => c.action === 's3:PutObject')
      .map(({ context: _creation, ...put }) => ({ ...put, action: 's3:AbortMultipartUpload' })),
  );
  return { calls, problems };
}

/** Athena checks where a bucket is before writing to it. */
function bucketLocation(inventory: PolicyInventory, caller: Caller, uri: string): RunTimeCall {
  const { bucket } = parseS3Uri(uri);
  const partition = inventory.buckets.get(bucket)?.stage.partition ?? 'aws';
  return { ...caller, action: 's3:GetBucketLocation', resource: s3Arn(partition, bucket) };
}
