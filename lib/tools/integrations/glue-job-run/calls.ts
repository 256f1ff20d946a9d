import { asList, asObject, type JsonObject } from '../../../../cfn/json-values';
import { parseArn, s3Arn } from '../../calls/arns';
import { parseS3Uri } from '../../../ops/s3-uri';
import type { DeployedResource, DeployedStage } from '../../calls/deployed-assembly';
import type { PolicyInventory } from '../../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../../calls/run-time-call';
import { type Caller, objectUnder, s3ReadCalls, s3WriteCalls } from '../../calls/s3-object-calls';
import { metricCalls } from '../../calls/sagemaker-runtime-calls';

/**
 * Job arguments that name S3 locations, by what the job does with them: the platform's Spark job
 * (`ml/data/etl.py`: `--raw` in; `--curated`, `--quarantine` out through Spark; `--report`, one
 * object it puts itself, encrypted by the bucket's default key) and Glue's own (`--TempDir`,
 * `--spark-event-logs-path` written; `--extra-*` files read). An `s3://` argument of another name
 * is reported, not guessed.
 */
const READ_ARGUMENTS = new Set(['--raw', '--extra-py-files', '--extra-files', '--extra-jars']);
const WRITE_ARGUMENTS = new Set(['--curated', '--quarantine', '--TempDir', '--spark-event-logs-path']);
const OBJECT_ARGUMENTS = new Set(['--report']);

/** The stand-in id of a job run (Glue's are `jr_` and 64 hex digits). */
const SAMPLE_JOB_RUN_ID = `jr_${'0123456789abcdef'.repeat(4)}`;

/** The ARN Glue gives a job. */
export function glueJobArn(stage: DeployedStage, name: string): string {
  return `arn:${stage.partition}:glue:${stage.region}:${stage.account}:job/${name}`;
}

/** The `AWS::Glue::Job` of `stage` named `name`, if the assembly defines it. */
export function findGlueJob(
  inventory: PolicyInventory,
  stage: DeployedStage,
  name: string,
): DeployedResource | undefined {
  const { deployed } = inventory;
  return deployed.ofType('AWS::Glue::Job', stage).find((job) => deployed.ref(job) === name);
}

/**
 * Every request a run of a Glue Spark job makes through its role, with `runArguments` (the
 * task's `Arguments`) over the job's `DefaultArguments`: Glue assuming the role (the job as
 * `aws:SourceArn`); reading the script and each input argument (listing it, as Spark does);
 * writing each output argument (listing, putting and deleting, what Glue documents for data
 * targets) encrypted as its security configuration says (SSE-KMS: a data key of that key through
 * S3), and putting each object argument (`--report`, with the bucket's default key); its logs (`/aws-glue/jobs/<security configuration>-role/<role>/output|error`, associated
 * with the configuration's CloudWatch key, which CloudWatch Logs then uses); its bookmarks (CSE-KMS:
 * the job encrypts and decrypts with the configuration's bookmark key itself); its metrics; the
 * catalog table it registers over its output (`--glue-table`, as `ml/data/etl.py` does).
 */
export function glueJobRunCalls(
  inventory: PolicyInventory,
  job: DeployedResource,
  runArguments: JsonObject,
  originPath: string,
  detail: string,
): DerivedCalls {
  const { stage, properties } = job;
  const { deployed } = inventory;
  const name = deployed.ref(job);
  const arn = glueJobArn(stage, name);
  const role = String(properties.Role);
  const roleArn = role.startsWith('arn:')
    ? role
    : `arn:${stage.partition}:iam::${stage.account}:role/${role}`;
  const caller = (what: string): Caller => ({
    stage: stage.id,
    principal: roleArn,
    ...origin(originPath, `${detail} job ${what}`),
  });
  const problems: string[] = [];
  const args: Record<string, unknown> = { ...asObject(properties.DefaultArguments), ...runArguments };
  const security = securityConfiguration(inventory, stage, properties.SecurityConfiguration);
  if (properties.SecurityConfiguration !== undefined && !security) {
    problems.push(
      `security configuration ${String(properties.SecurityConfiguration)} of Glue job ${name} is not in the assembly`,
    );
  }

  const calls: RunTimeCall[] = [
    {
      ...caller('role'),
      principal: 'glue.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: roleArn,
      context: { 'aws:SourceAccount': stage.account, 'aws:SourceArn': arn },
    },
  ];
  const script = asObject(properties.Command)?.ScriptLocation;
  if (typeof script === 'string' && script.startsWith('s3://')) {
    calls.push(...s3ReadCalls(inventory, caller('script'), script));
  }
  for (const [argument, value] of Object.entries(args)) {
    if (typeof value !== 'string' || !value.startsWith('s3://')) continue;
    if (READ_ARGUMENTS.has(argument)) {
      // Every file of a folder argument is read (the raw version's CSV files), after listing it.
      for (const uri of value.split(',')) {
        calls.push(
          ...s3ReadCalls(inventory, caller(`argument ${argument}`), objectUnder(uri, 'part-00000.csv'), {
            listPrefix: parseS3Uri(uri).key,
          }),
        );
      }
    } else if (OBJECT_ARGUMENTS.has(argument)) {
      calls.push(...s3WriteCalls(inventory, caller(`argument ${argument}`), value));
    } else if (WRITE_ARGUMENTS.has(argument)) {
      calls.push(...outputCalls(inventory, caller(`argument ${argument}`), value, security?.s3KeyArn));
    } else {
      problems.push(
        `argument ${argument} of Glue job ${name} names ${value}: no model of whether the job reads or writes it`,
      );
    }
  }
  const table = catalogTableOf(args);
  if (table) {
    // The job registers its output as a table (`--glue-table`): update it, or create it the first time.
    const glue = (resource: string) =>
      `arn:${stage.partition}:glue:${stage.region}:${stage.account}:${resource}`;
    for (const action of ['glue:UpdateTable', 'glue:CreateTable']) {
      for (const resource of [
        glue('catalog'),
        glue(`database/${table.database}`),
        glue(`table/${table.database}/${table.table}`),
      ]) {
        calls.push({ ...caller('catalog table'), action, resource });
      }
    }
  } else if (typeof args['--glue-table'] === 'string') {
    problems.push(
      `Glue job ${name}: --glue-table ${args['--glue-table']} is not database.table over --curated`,
    );
  }
  calls.push(...logCalls(caller('logs'), stage, roleArn, security, args));
  const glueMajor = Number.parseInt(String(properties.GlueVersion ?? '0'), 10);
  if (
    glueMajor < 5 &&
    args['--enable-continuous-cloudwatch-log'] === 'true' &&
    typeof args['--continuous-log-logGroup'] !== 'string'
  ) {
    problems.push(
      `Glue job ${name}: no model of the continuous log group of Glue ${String(properties.GlueVersion)}`,
    );
  }
  if (args['--job-bookmark-option'] === 'job-bookmark-enable' && security?.bookmarkKeyArn) {
    // CSE-KMS: the job encrypts its bookmarks itself before Glue stores them.
    for (const action of ['kms:Encrypt', 'kms:Decrypt']) {
      calls.push({
        ...caller('bookmarks'),
        action,
        resource: security.bookmarkKeyArn,
        context: { 'kms:CallerAccount': stage.account },
      });
    }
  }
  // Job metrics (`--enable-metrics`) are published through the job's role, to the `Glue` namespace.
  if (args['--enable-metrics'] === 'true') calls.push(...metricCalls(caller('metrics'), 'Glue'));
  return { calls, problems };
}

/** A Glue Data Catalog table over S3 data, and the ingestion date a run adds to it. */
export interface CatalogTable {
  readonly database: string;
  readonly table: string;
  /** The `s3://` folder of its data. */
  readonly location: string;
  readonly ingestionDate?: string;
}

/** The table a run registers over its `--curated` output (`--glue-table database.table`), if any. */
function catalogTableOf(args: Record<string, unknown>): CatalogTable | undefined {
  const qualified = args['--glue-table'];
  const location = args['--curated'];
  if (typeof qualified !== 'string' || typeof location !== 'string') return undefined;
  const [database, table, ...rest] = qualified.split('.');
  if (!database || !table || rest.length > 0) return undefined;
  const date = args['--ingestion-date'];
  return {
    database,
    table,
    location: location.replace(/\/?$/, '/'),
    ...(typeof date === 'string' ? { ingestionDate: date } : {}),
  };
}

/** The table a run of `job` with `runArguments` registers (see `glueJobRunCalls`), if any. */
export function glueJobRunTable(job: DeployedResource, runArguments: JsonObject): CatalogTable | undefined {
  return catalogTableOf({ ...asObject(job.properties.DefaultArguments), ...runArguments });
}

/** A Glue security configuration's keys, by what each encrypts. */
interface SecurityKeys {
  readonly name: string;
  /** SSE-KMS of S3 output. */
  readonly s3KeyArn?: string;
  /** SSE-KMS of CloudWatch Logs. */
  readonly logsKeyArn?: string;
  /** CSE-KMS of job bookmarks. */
  readonly bookmarkKeyArn?: string;
}

function securityConfiguration(
  inventory: PolicyInventory,
  stage: DeployedStage,
  name: unknown,
): SecurityKeys | undefined {
  if (typeof name !== 'string') return undefined;
  const found = inventory.deployed
    .ofType('AWS::Glue::SecurityConfiguration', stage)
    .find((c) => c.properties.Name === name);
  if (!found) return undefined;
  const encryption = asObject(found.properties.EncryptionConfiguration);
  const key = (settings: unknown, modeField: string, mode: string) => {
    const value = asObject(settings);
    return value?.[modeField] === mode ? inventory.keyArn(value.KmsKeyArn, stage) : undefined;
  };
  return {
    name,
    s3KeyArn: key(asList(encryption?.S3Encryptions)[0], 'S3EncryptionMode', 'SSE-KMS'),
    logsKeyArn: key(encryption?.CloudWatchEncryption, 'CloudWatchEncryptionMode', 'SSE-KMS'),
    bookmarkKeyArn: key(encryption?.JobBookmarksEncryption, 'JobBookmarksEncryptionMode', 'CSE-KMS'),
  };
}

/** What Spark does to write a dataset under `uri`: list it, put its files, delete what it replaces. */
function outputCalls(
  inventory: PolicyInventory,
  caller: Caller,
  uri: string,
  kmsKeyArn: string | undefined,
): RunTimeCall[] {
  const folder = uri.endsWith('/') ? uri : `${uri}/`;
  const object = objectUnder(folder);
  const { bucket, key } = parseS3Uri(object);
  const partition = inventory.buckets.get(bucket)?.stage.partition ?? 'aws';
  return [
    ...s3WriteCalls(inventory, caller, object, kmsKeyArn),
    { ...caller, action: 's3:DeleteObject', resource: s3Arn(partition, bucket, key) },
    {
      ...caller,
      action: 's3:ListBucket',
      resource: s3Arn(partition, bucket),
      context: { 's3:prefix': parseS3Uri(folder).key },
    },
  ];
}

/**
 * A Glue 5 job's logs: driver and executors write to an `output` and an `error` log group (with a
 * security configuration, `/aws-glue/jobs/<configuration>-role/<role name>/...`, which the job
 * creates and associates with the configuration's CloudWatch key; CloudWatch Logs then uses the
 * key for that group); `--custom-logGroup-prefix` replaces the prefix, `--continuous-log-logGroup`
 * adds a group. Each stream is named after the job run.
 */
function logCalls(
  caller: Caller,
  stage: DeployedStage,
  roleArn: string,
  security: SecurityKeys | undefined,
  args: Record<string, unknown>,
): RunTimeCall[] {
  const roleName = parseArn(roleArn)?.resource.split('/').at(-1) ?? roleArn;
  const custom = args['--custom-logGroup-prefix'];
  const prefix =
    typeof custom === 'string'
      ? custom.replace(/\/$/, '')
      : security?.logsKeyArn
        ? `/aws-glue/jobs/${security.name}-role/${roleName}`
        : '/aws-glue/jobs';
  const groups = [`${prefix}/output`, `${prefix}/error`];
  const continuous = args['--continuous-log-logGroup'];
  if (typeof continuous === 'string') groups.push(continuous);
  const groupArn = (group: string) =>
    `arn:${stage.partition}:logs:${stage.region}:${stage.account}:log-group:${group}`;
  return groups.flatMap((group) => {
    const arn = groupArn(group);
    const stream = `${arn}:log-stream:${SAMPLE_JOB_RUN_ID}`;
    return [
      { ...caller, action: 'logs:CreateLogGroup', resource: arn },
      ...(security?.logsKeyArn ? [{ ...caller, action: 'logs:AssociateKmsKey', resource: arn }] : []),
      { ...caller, action: 'logs:CreateLogStream', resource: stream },
      { ...caller, action: 'logs:PutLogEvents', resource: stream },
      // CloudWatch Logs encrypts the group's events with the associated key.
      ...(security?.logsKeyArn
        ? ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'].map((action) => ({
            ...caller,
            principal: `logs.${stage.region}.amazonaws.com`,
            action,
            resource: security.logsKeyArn!,
            context: { 'kms:EncryptionContext:aws:logs:arn': arn },
          }))
        : []),
    ];
  });
}
