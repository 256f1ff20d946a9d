import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';

/**
 * The buckets and key that hold an ML environment's data, from raw data to monitoring reports.
 */
export interface IMlDataStore extends IConstruct {
  /** The customer-managed key that encrypts every data bucket. */
  readonly encryptionKey: kms.IKey;
  /** Raw data as it arrives (versioned: each dataset version is an object version). */
  readonly rawBucket: s3.IBucket;
  /** Curated data and features produced by the data pipelines. */
  readonly curatedBucket: s3.IBucket;
  /** Model artifacts, evaluation reports and baselines. */
  readonly modelsBucket: s3.IBucket;
  /** Endpoint data capture and monitoring reports. */
  readonly monitoringBucket: s3.IBucket;
  /** Server access logs of the other buckets. */
  readonly accessLogsBucket: s3.IBucket;

  /** Lets `grantee` read raw data (and decrypt it). */
  grantReadRaw(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` read, write and delete curated data (and use the key for it). */
  grantReadWriteCurated(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` read model artifacts (and decrypt them). */
  grantReadModels(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` put model artifacts, without deleting any (and encrypt them). */
  grantWriteModels(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` put data capture and monitoring reports, without deleting any (and encrypt them). */
  grantWriteMonitoring(grantee: iam.IGrantable): iam.Grant;
}

/** Grants shared by every `IMlDataStore`; the buckets' own grants also grant their KMS key. */
export abstract class MlDataStoreBase extends Construct implements IMlDataStore {
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly rawBucket: s3.IBucket;
  public abstract readonly curatedBucket: s3.IBucket;
  public abstract readonly modelsBucket: s3.IBucket;
  public abstract readonly monitoringBucket: s3.IBucket;
  public abstract readonly accessLogsBucket: s3.IBucket;

  public grantReadRaw(grantee: iam.IGrantable): iam.Grant {
    return this.rawBucket.grantRead(grantee);
  }

  public grantReadWriteCurated(grantee: iam.IGrantable): iam.Grant {
    return this.curatedBucket.grantReadWrite(grantee);
  }

  public grantReadModels(grantee: iam.IGrantable): iam.Grant {
    return this.modelsBucket.grantRead(grantee);
  }

  public grantWriteModels(grantee: iam.IGrantable): iam.Grant {
    return this.modelsBucket.grantPut(grantee);
  }

  public grantWriteMonitoring(grantee: iam.IGrantable): iam.Grant {
    return this.monitoringBucket.grantPut(grantee);
  }
}

/** Properties of an `MlDataStore`. */
export interface MlDataStoreProps {
  /**
   * The key that encrypts the data buckets.
   * @default - a new customer-managed key with yearly automatic rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the buckets and the key when they leave the stack.
   * `DESTROY` deletes only empty buckets: no Lambda-backed custom resource empties them.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long a replaced or deleted object version is kept before it expires.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Age after which monitoring data (data capture, reports) moves to S3 Standard-IA.
   * S3 accepts no less than 30 days.
   * @default Duration.days(30)
   */
  readonly monitoringInfrequentAccessAfter?: Duration;

  /**
   * How long server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;
}

/**
 * Encrypted, versioned, access-logged S3 storage for an ML environment: raw, curated, models and
 * monitoring buckets under one customer-managed KMS key, and a bucket for their access logs.
 *
 * Every bucket blocks public access, refuses requests without TLS and logs access. The access
 * log bucket uses S3-managed encryption, the only kind S3 server access logging can write to.
 *
 * @example
 * const store = new MlDataStore(this, 'Data', { removalPolicy: RemovalPolicy.RETAIN });
 * store.grantReadRaw(preprocessingRole);
 */
export class MlDataStore extends MlDataStoreBase {
  public readonly encryptionKey: kms.IKey;
  public readonly rawBucket: s3.IBucket;
  public readonly curatedBucket: s3.IBucket;
  public readonly modelsBucket: s3.IBucket;
  public readonly monitoringBucket: s3.IBucket;
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: MlDataStoreProps = {}) {
    super(scope, id);
    const noncurrentVersionExpiration = props.noncurrentVersionExpiration ?? Duration.days(90);
    const infrequentAccessAfter = props.monitoringInfrequentAccessAfter ?? Duration.days(30);
    const accessLogsExpiration = props.accessLogsExpiration ?? Duration.days(365);
    validateProps({ noncurrentVersionExpiration, infrequentAccessAfter, accessLogsExpiration });

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Encrypts the ML data store buckets',
        enableKeyRotation: true,
        removalPolicy,
      });

    const common = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
    } satisfies s3.BucketProps;
    const expireOldVersions: s3.LifecycleRule = {
      id: 'ExpireNoncurrentVersions',
      noncurrentVersionExpiration,
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    };

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...common,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ ...expireOldVersions, expiration: accessLogsExpiration }],
    });

    const dataBucket = (id: string, lifecycleRules: s3.LifecycleRule[]) => {
      const bucket = new s3.Bucket(this, id, {
        ...common,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.encryptionKey,
        bucketKeyEnabled: true,
        lifecycleRules,
      });
      this.logAccess(bucket, `${id}/`);
      return bucket;
    };

    this.rawBucket = dataBucket('RawBucket', [expireOldVersions]);
    this.curatedBucket = dataBucket('CuratedBucket', [expireOldVersions]);
    this.modelsBucket = dataBucket('ModelsBucket', [expireOldVersions]);
    this.monitoringBucket = dataBucket('MonitoringBucket', [
      expireOldVersions,
      {
        id: 'MonitoringToInfrequentAccess',
        transitions: [
          {
            storageClass: s3.StorageClass.INFREQUENT_ACCESS,
            transitionAfter: infrequentAccessAfter,
          },
        ],
      },
    ]);
  }

  /**
   * Sends `bucket`'s server access logs to the log bucket under `prefix`, through a bucket policy
   * that admits only S3 logging for that bucket, whatever the app's S3 feature flags.
   */
  private logAccess(bucket: s3.Bucket, prefix: string): void {
    const logs = this.accessLogsBucket;
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: logs.bucketName,
      logFilePrefix: prefix,
    };
    logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `S3ServerAccessLogs${bucket.node.id}`,
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [logs.arnForObjects(`${prefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }
}

function validateProps(p: {
  noncurrentVersionExpiration: Duration;
  infrequentAccessAfter: Duration;
  accessLogsExpiration: Duration;
}): void {
  const problems: string[] = [];
  const wholeDays = (name: string, d: Duration, min: number) => {
    if (d.isUnresolved()) return;
    const days = d.toMilliseconds({ integral: false }) / 86_400_000;
    if (!Number.isInteger(days) || days < min) {
      problems.push(`${name} must be a whole number of days, at least ${min} (got ${d.toHumanString()})`);
    }
  };
  wholeDays('noncurrentVersionExpiration', p.noncurrentVersionExpiration, 1);
  wholeDays('monitoringInfrequentAccessAfter', p.infrequentAccessAfter, 30);
  wholeDays('accessLogsExpiration', p.accessLogsExpiration, 1);
  if (problems.length > 0) {
    throw new Error(`Invalid MlDataStore props:\n  - ${problems.join('\n  - ')}`);
  }
}
