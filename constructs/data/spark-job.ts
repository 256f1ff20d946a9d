import { existsSync } from 'node:fs';
import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { servicePrincipalFor } from '../common/service-principals';
import type { IMlDataStore } from '../storage/ml-data-store';

/** Glue worker types for Spark jobs (G.1X: 4 vCPU, 16 GB; each step up doubles both). */
export const SPARK_WORKER_TYPES = ['G.1X', 'G.2X', 'G.4X', 'G.8X'] as const;
export type SparkWorkerType = (typeof SPARK_WORKER_TYPES)[number];

export interface SparkJobProps {
  /** The data store the job reads raw data from and writes curated data to. */
  readonly dataStore: IMlDataStore;
  /**
   * The job's name (1-255 characters); its security configuration is named `<jobName>-encryption`.
   * @default - a name unique in the account, made from the construct's path
   */
  readonly jobName?: string;
  /** The PySpark script, a local file shipped as an asset. */
  readonly scriptPath: string;
  /**
   * The key that encrypts the job's CloudWatch logs and bookmarks. Its key policy must let
   * CloudWatch Logs of this account use it.
   */
  readonly logsKey: kms.IKey;
  /**
   * The job's log groups are `<logGroupPrefix>/output` and `<logGroupPrefix>/error` (Glue 5's
   * `--custom-logGroup-prefix`), which the caller declares with its retention and `logsKey`.
   * @default - Glue's own groups, named after the security configuration and the role
   *   (`/aws-glue/jobs/<configuration>-role/<role>/output|error`), created on the first run and kept forever
   */
  readonly logGroupPrefix?: string;
  /**
   * Where in the raw bucket the job reads.
   * @default '*' (the whole bucket)
   */
  readonly rawKeyPattern?: string;
  /**
   * Where in the curated bucket the job writes (its output, quarantine, reports, temporary files).
   * @default '*' (the whole bucket)
   */
  readonly curatedKeyPattern?: string;
  /**
   * The AWS Glue version (Spark and Python of the job).
   * @default '5.1' (Spark 3.5.6, Python 3.11)
   */
  readonly glueVersion?: string;
  /** @default 'G.1X' */
  readonly workerType?: SparkWorkerType;
  /**
   * Workers, including the driver (Glue needs at least 2).
   * @default 2
   */
  readonly numberOfWorkers?: number;
  /** @default Duration.hours(1) */
  readonly timeout?: Duration;
  /** @default 0 (a failed run is reported, not repeated) */
  readonly maxRetries?: number;
  /**
   * Arguments every run gets (`--name value`); a run may override them.
   * @default - none beyond the logging, metrics and bookmark settings
   */
  readonly defaultArguments?: Record<string, string>;
}

/** A Spark job: what a state machine needs to run it and what it runs as. */
export interface ISparkJob {
  readonly jobName: string;
  readonly jobArn: string;
  readonly role: iam.IRole;
  /** Lets `grantee` start runs of the job, follow them and stop them. */
  grantRun(grantee: iam.IGrantable): iam.Grant;
}

/**
 * A PySpark script as an AWS Glue job, with everything it writes encrypted by the environment's
 * keys: a Glue security configuration encrypts its S3 output (the data key), its CloudWatch logs
 * and its bookmarks (the logs key). Continuous logging, metrics and job bookmarks are on. Its role
 * may read raw data, read and write curated data, read its script and write its logs, nothing else.
 *
 * @example
 * const etl = new SparkJob(this, 'Etl', {
 *   dataStore,
 *   scriptPath: 'ml/data/etl.py',
 *   logsKey,
 *   curatedKeyPattern: 'churn/*',
 *   defaultArguments: { '--curated': `s3://${dataStore.curatedBucket.bucketName}/churn/features` },
 * });
 * etl.grantRun(stateMachine);
 */
export class SparkJob extends Construct implements ISparkJob {
  public readonly jobName: string;
  public readonly jobArn: string;
  public readonly role: iam.Role;
  /** The name of the Glue security configuration of the job. */
  public readonly securityConfigurationName: string;
  /** The log groups the job writes to: names, or a pattern where Glue names them at run time. */
  public readonly logGroupNames: readonly string[];

  constructor(scope: Construct, id: string, props: SparkJobProps) {
    super(scope, id);
    const workers = props.numberOfWorkers ?? 2;
    if (!Number.isInteger(workers) || workers < 2) {
      throw new Error(`SparkJob: numberOfWorkers must be a whole number of at least 2 (got ${workers})`);
    }
    if (!existsSync(props.scriptPath)) throw new Error(`SparkJob: script not found: ${props.scriptPath}`);
    const timeout = props.timeout ?? Duration.hours(1);
    if (timeout.toMinutes({ integral: false }) < 1)
      throw new Error('SparkJob: timeout must be at least 1 minute');
    if (props.logGroupPrefix !== undefined && !/^\/[\w#./-]{1,490}[^/]$/.test(props.logGroupPrefix)) {
      throw new Error(
        `SparkJob: logGroupPrefix '${props.logGroupPrefix}' must be a log group name starting with '/' and not ending with one`,
      );
    }

    const stack = Stack.of(this);
    const script = new s3assets.Asset(this, 'Script', { path: props.scriptPath });
    if (props.jobName !== undefined && !/^[\w.-]{1,240}$/.test(props.jobName)) {
      throw new Error(
        `SparkJob: jobName '${props.jobName}' must be 1-240 letters, digits, '.', '_' or '-' (the security configuration adds '-encryption')`,
      );
    }
    this.jobName = props.jobName ?? Names.uniqueResourceName(this, { maxLength: 240, separator: '-' });
    this.jobArn = stack.formatArn({ service: 'glue', resource: 'job', resourceName: this.jobName });
    this.securityConfigurationName = `${this.jobName}-encryption`;

    new glue.CfnSecurityConfiguration(this, 'Encryption', {
      name: this.securityConfigurationName,
      encryptionConfiguration: {
        s3Encryptions: [{ s3EncryptionMode: 'SSE-KMS', kmsKeyArn: props.dataStore.encryptionKey.keyArn }],
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: props.logsKey.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: props.logsKey.keyArn },
      },
    });

    this.role = new iam.Role(this, 'Role', {
      description: `Runs the Glue job ${this.jobName}`,
      assumedBy: servicePrincipalFor(this, 'glue.amazonaws.com', [this.jobArn]),
    });
    props.dataStore.grantReadRaw(this.role, props.rawKeyPattern);
    props.dataStore.grantReadWriteCurated(this.role, props.curatedKeyPattern);
    // The script's own object only: the assets bucket holds every asset of the account and region
    // (Asset.grantRead would admit all of them, and list them).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [script.bucket.arnForObjects(script.s3ObjectKey)],
      }),
    );
    // Glue writes an encrypted job's logs to log groups named after its security configuration,
    // or to the two groups under the prefix it is given.
    this.logGroupNames = props.logGroupPrefix
      ? [`${props.logGroupPrefix}/output`, `${props.logGroupPrefix}/error`]
      : [`/aws-glue/jobs/*${this.securityConfigurationName}*`];
    const logGroups = this.logGroupNames.map((resourceName) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: logGroups.flatMap((group) => [group, `${group}:log-stream:*`]),
      }),
    );
    // `--enable-metrics`: the job publishes its metrics to CloudWatch's Glue namespace, which has
    // no resource-level permissions (hence `*`, bound to the namespace).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
      }),
    );
    // Bookmarks are encrypted client-side by the job, logs by CloudWatch Logs on its behalf.
    props.logsKey.grant(this.role, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey');

    const curatedBucket = props.dataStore.curatedBucket.bucketName;
    const job = new glue.CfnJob(this, 'Job', {
      name: this.jobName,
      role: this.role.roleArn,
      glueVersion: props.glueVersion ?? '5.1',
      command: { name: 'glueetl', pythonVersion: '3', scriptLocation: script.s3ObjectUrl },
      workerType: props.workerType ?? 'G.1X',
      numberOfWorkers: workers,
      timeout: Math.ceil(timeout.toMinutes({ integral: false })),
      maxRetries: props.maxRetries ?? 0,
      securityConfiguration: this.securityConfigurationName,
      executionProperty: { maxConcurrentRuns: 1 },
      defaultArguments: {
        '--job-language': 'python',
        '--enable-continuous-cloudwatch-log': 'true',
        '--enable-metrics': 'true',
        '--job-bookmark-option': 'job-bookmark-enable',
        ...(props.logGroupPrefix ? { '--custom-logGroup-prefix': props.logGroupPrefix } : {}),
        '--TempDir': `s3://${curatedBucket}/${tempPrefix(props.curatedKeyPattern)}glue-temporary/`,
        ...props.defaultArguments,
      },
    });
    job.node.addDependency(this.role);
  }

  public grantRun(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
      resourceArns: [this.jobArn],
    });
  }
}

/** The fixed part of a key pattern (`churn/*` -> `churn/`), where the job may write temporary files. */
function tempPrefix(keyPattern: string | undefined): string {
  const fixed = (keyPattern ?? '*').split('*')[0];
  return fixed === '' || fixed.endsWith('/') ? fixed : `${fixed}/`;
}
