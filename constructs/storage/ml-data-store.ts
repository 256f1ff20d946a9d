import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
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

  /** Lets `grantee` read raw data under `keyPattern` (and decrypt it). */
  grantReadRaw(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
  /** Lets `grantee` read curated data under `keyPattern` (and decrypt it). */
  grantReadCurated(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
  /** Lets `grantee` read, write and delete curated data under `keyPattern` (and use the key for it). */
  grantReadWriteCurated(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
  /** Lets `grantee` read model artifacts under `keyPattern` (and decrypt them, as `options` say). */
  grantReadModels(grantee: iam.IGrantable, keyPattern?: string, options?: DataGrantOptions): iam.Grant;
  /** Lets `grantee` put model artifacts under `keyPattern`, without deleting any (and encrypt them). */
  grantWriteModels(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
  /** Lets `grantee` put data capture and monitoring reports, without deleting any (and encrypt them). */
  grantWriteMonitoring(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
  /** Lets `grantee` read captured data and monitoring reports under `keyPattern` (and decrypt them). */
  grantReadMonitoring(grantee: iam.IGrantable, keyPattern?: string): iam.Grant;
}

/** How a grantee may use the data key for the objects it is granted. */
export enum DataKeyUse {
  /** Directly, or through any service (what a SageMaker job's role needs). */
  ANY = 'any',
  /**
   * Only as S3 uses it for the granted object's bucket (`kms:ViaService` S3 of the stack's region,
   * and the bucket's ARN as encryption context: the buckets use bucket keys). A role whose code
   * reads with the S3 API needs no more, and then cannot decrypt with the key directly.
   */
  VIA_S3 = 'via-s3',
}

/** Options of a data store grant. */
export interface DataGrantOptions {
  /** @default DataKeyUse.ANY */
  readonly keyUse?: DataKeyUse;
}

/** S3 and KMS actions of each kind of access, spelled out (no wildcards). */
const ACCESS = {
  read: {
    objects: ['s3:GetObject', 's3:GetObjectVersion'],
    bucket: ['s3:ListBucket', 's3:GetBucketLocation'],
    key: ['kms:Decrypt', 'kms:DescribeKey'],
  },
  readWrite: {
    objects: [
      's3:GetObject',
      's3:GetObjectVersion',
      's3:PutObject',
      's3:DeleteObject',
      's3:AbortMultipartUpload',
    ],
    bucket: ['s3:ListBucket', 's3:GetBucketLocation'],
    key: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  },
  put: {
    objects: ['s3:PutObject', 's3:AbortMultipartUpload'],
    bucket: [],
    // SSE-KMS uploads need a data key; multipart uploads also decrypt it.
    key: ['kms:GenerateDataKey', 'kms:Decrypt'],
  },
} as const;

/**
 * Grants shared by every `IMlDataStore`: least-privilege S3 actions on the objects under
 * `keyPattern` (default: all), and the matching actions on the bucket's KMS key.
 */
export abstract class MlDataStoreBase extends Construct implements IMlDataStore {
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly rawBucket: s3.IBucket;
  public abstract readonly curatedBucket: s3.IBucket;
  public abstract readonly modelsBucket: s3.IBucket;
  public abstract readonly monitoringBucket: s3.IBucket;
  public abstract readonly accessLogsBucket: s3.IBucket;

  public grantReadRaw(grantee: iam.IGrantable, keyPattern?: string): iam.Grant {
    return this.grantAccess(grantee, this.rawBucket, ACCESS.read, keyPattern);
  }

  public grantReadCurated(grantee: iam.IGrantable, keyPattern?: string): iam.Grant {
    return this.grantAccess(grantee, this.curatedBucket, ACCESS.read, keyPattern);
  }

  public grantReadWriteCurated(grantee: iam.IGrantable, keyPattern?: string): iam.Grant {
    return this.grantAccess(grantee, this.curatedBucket, ACCESS.readWrite, keyPattern);
  }

  public grantReadModels(
    grantee: iam.IGrantable,
    keyPattern?: string,
    options: DataGrantOptions = {},
  ): iam.Grant {
    return this.grantAccess(grantee, this.modelsBucket, ACCESS.read, keyPattern, options.keyUse);
  }

  public grantWriteModels(grantee: iam.IGrantable, keyPattern?: string): iam.Grant {
    return this.grantAccess(grantee, this.modelsBucket, ACCESS.put, keyPattern);
  }

  public grantWriteMonitoring(grantee: iam.IGrantable, keyPattern?: string): iam.Grant {
    return this.grantAccess(grantee, this.monitoringBucket, ACCESS.put, keyPattern);
  }

  public grantReadMonitoring(grantee: iam.IGrantable, keyPattern?: string): iam.Grant {
    return this.grantAccess(grantee, this.monitoringBucket, ACCESS.read, keyPattern);
  }

  private grantAccess(
    grantee: iam.IGrantable,
    bucket: s3.IBucket,
    access: (typeof ACCESS)[keyof typeof ACCESS],
    keyPattern = '*',
    keyUse = DataKeyUse.ANY,
  ): iam.Grant {
    let grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: [...access.objects],
      resourceArns: [bucket.arnForObjects(keyPattern)],
      resource: bucket,
    });
    if (access.bucket.length > 0) {
      grant = grant.combine(
        iam.Grant.addToPrincipalOrResource({
          grantee,
          actions: [...access.bucket],
          resourceArns: [bucket.bucketArn],
          resource: bucket,
        }),
      );
    }
    if (keyUse === DataKeyUse.VIA_S3) {
      const stack = Stack.of(this);
      return grant.combine(
        iam.Grant.addToPrincipal({
          grantee,
          // DescribeKey carries no encryption context (S3 does not call it for the grantee).
          actions: access.key.filter((action) => action !== 'kms:DescribeKey'),
          resourceArns: [this.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
              'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
            },
          },
        }),
      );
    }
    return grant.combine(this.encryptionKey.grant(grantee, ...access.key));
  }
}

/** An existing data store, to use from another stack or app. */
export interface MlDataStoreAttributes {
  /** The `bucketNamePrefix` the store was created with. */
  readonly bucketNamePrefix: string;
  /** The key that encrypts its data buckets. */
  readonly encryptionKey: kms.IKey;
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

  /**
   * Prefix of the bucket names: `<prefix>-raw`, `-curated`, `-models`, `-monitoring` and
   * `-access-logs`. Known names let other stacks and tools refer to the buckets without
   * CloudFormation exports (which would pin this stack's outputs).
   * @default - names generated by CloudFormation
   */
  readonly bucketNamePrefix?: string;

  /**
   * Send the raw bucket's object events to Amazon EventBridge, so that rules can react to new
   * data (for example, start training). Set natively on the bucket, without a custom resource.
   * @default true
   */
  readonly rawDataEvents?: boolean;
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
  /**
   * Refers to a data store by its bucket name prefix. Its buckets are referenced by name, so a
   * stack that uses them needs no CloudFormation export from the store's stack.
   */
  public static fromMlDataStoreAttributes(
    scope: Construct,
    id: string,
    attrs: MlDataStoreAttributes,
  ): IMlDataStore {
    return new ImportedMlDataStore(scope, id, attrs);
  }

  public readonly encryptionKey: kms.IKey;
  public readonly rawBucket: s3.IBucket;
  public readonly curatedBucket: s3.IBucket;
  public readonly modelsBucket: s3.IBucket;
  public readonly monitoringBucket: s3.IBucket;
  public readonly accessLogsBucket: s3.IBucket;
  /** The prefix of the bucket names, when they were given. */
  public readonly bucketNamePrefix?: string;

  constructor(scope: Construct, id: string, props: MlDataStoreProps = {}) {
    super(scope, id);
    const noncurrentVersionExpiration = props.noncurrentVersionExpiration ?? Duration.days(90);
    const infrequentAccessAfter = props.monitoringInfrequentAccessAfter ?? Duration.days(30);
    const accessLogsExpiration = props.accessLogsExpiration ?? Duration.days(365);
    validateProps(this.node.path, {
      noncurrentVersionExpiration,
      infrequentAccessAfter,
      accessLogsExpiration,
      bucketNamePrefix: props.bucketNamePrefix,
    });
    this.bucketNamePrefix = props.bucketNamePrefix;
    const bucketName = (kind: string) =>
      props.bucketNamePrefix ? dataStoreBucketName(props.bucketNamePrefix, kind) : undefined;

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
      bucketName: bucketName('access-logs'),
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ ...expireOldVersions, expiration: accessLogsExpiration }],
    });

    const dataBucket = (id: string, kind: string, lifecycleRules: s3.LifecycleRule[]) => {
      const bucket = new s3.Bucket(this, id, {
        ...common,
        bucketName: bucketName(kind),
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.encryptionKey,
        bucketKeyEnabled: true,
        lifecycleRules,
      });
      this.logAccess(bucket, `${id}/`);
      return bucket;
    };

    this.rawBucket = dataBucket('RawBucket', 'raw', [expireOldVersions]);
    if (props.rawDataEvents ?? true) {
      (this.rawBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
    this.curatedBucket = dataBucket('CuratedBucket', 'curated', [expireOldVersions]);
    this.modelsBucket = dataBucket('ModelsBucket', 'models', [expireOldVersions]);
    this.monitoringBucket = dataBucket('MonitoringBucket', 'monitoring', [
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
   * Expires the monitoring bucket's objects under `prefix` (for example an endpoint's data
   * capture) `after` their creation, and their replaced versions a day later: a lifecycle rule
   * `id` of the bucket, beside its version and storage-class rules.
   */
  public expireMonitoringObjects(id: string, prefix: string, after: Duration): void {
    const days = after.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || prefix.length === 0 || prefix.includes('*')) {
      throw new Error(
        `MlDataStore ${this.node.path}: expireMonitoringObjects(${id}) needs whole days >= 1 (got ${days}) and a key prefix without '*' (got '${prefix}')`,
      );
    }
    // This store created the bucket (see the constructor), so it holds its lifecycle.
    (this.monitoringBucket as s3.Bucket).addLifecycleRule({
      id,
      prefix,
      expiration: after,
      noncurrentVersionExpiration: Duration.days(1),
    });
  }

  /**
   * Lets one role of another account (the next environment's promotion role) read model artifacts
   * under `keyPatterns`, to promote them: a models bucket policy statement (GetObject,
   * GetObjectVersion) and a key policy statement (Decrypt, only through S3 in this region, only for
   * this store's models bucket). Both name the role's account as principal and the role itself in
   * `aws:PrincipalArn`: a role ARN as principal would have to exist when this stack deploys, which
   * the next environment's role does not before that environment is deployed. No other principal
   * of that account, its root included, is admitted. The role still needs permissions of its own.
   *
   * The models bucket uses an S3 Bucket Key, so S3 asks KMS with the bucket's ARN as encryption
   * context (`aws:s3:arn`), not the object's: the key statement admits the models bucket, and the
   * bucket statement narrows it to `keyPatterns`. Needs `bucketNamePrefix` (the key policy cannot
   * reference the bucket the key encrypts without a cycle).
   */
  public grantPromotionReadModels(readerRoleArn: string, keyPatterns: string[]): void {
    const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/.exec(readerRoleArn);
    if (!Token.isUnresolved(readerRoleArn) && !role) {
      throw new Error(`MlDataStore ${this.node.path}: '${readerRoleArn}' is not an IAM role ARN`);
    }
    if (!this.bucketNamePrefix) {
      throw new Error(
        `MlDataStore ${this.node.path}: grantPromotionReadModels needs bucketNamePrefix (the key policy names the models bucket)`,
      );
    }
    if (keyPatterns.length === 0 || !role) return;
    const stack = Stack.of(this);
    const reader = new iam.AccountPrincipal(role[1]);
    const onlyTheRole = { ArnEquals: { 'aws:PrincipalArn': readerRoleArn } };
    const sid = `PromotionRead${role[1]}`;
    this.modelsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [reader],
        actions: [...ACCESS.read.objects],
        resources: keyPatterns.map((pattern) => this.modelsBucket.arnForObjects(pattern)),
        conditions: onlyTheRole,
      }),
    );
    const modelsBucketArn = `arn:${stack.partition}:s3:::${dataStoreBucketName(this.bucketNamePrefix, 'models')}`;
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [reader],
        actions: ['kms:Decrypt'],
        resources: ['*'], // in a key policy, '*' is this key
        conditions: {
          ...onlyTheRole,
          StringEquals: {
            'kms:ViaService': `s3.${stack.region}.${domainSuffix(stack)}`,
            'kms:EncryptionContext:aws:s3:arn': modelsBucketArn,
          },
        },
      }),
    );
  }

  /**
   * Makes objects under `keyPatterns` of the models bucket write-once: a bucket policy denies every
   * PutObject and CompleteMultipartUpload that does not carry `If-None-Match` (S3 conditional
   * writes: the put fails when the key exists), and so every CopyObject into them (S3 takes no
   * conditional header on a copy: 403 without, 501 with; a promotion reads and puts), for every principal
   * except the roles matching `serviceWriterRolePatterns`. Those are the SageMaker job roles:
   * SageMaker writes a job's outputs itself and sends no `If-None-Match`, so their writes cannot be
   * held to it; IAM cannot say "only a key that does not exist yet" any other way.
   *
   * Why a bucket policy and not Object Lock: a lock keeps an object version from being deleted or
   * changed, but a put to the same key still creates a new current version, so it does not stop
   * an overwrite; it would also keep every version past `noncurrentVersionExpiration` and make a
   * `DESTROY` removal policy impossible. Readers pin the version and check the bytes' SHA-256
   * instead (see the README).
   */
  public refuseOverwrites(keyPatterns: string[], serviceWriterRolePatterns: string[]): void {
    if (keyPatterns.length === 0) return;
    this.modelsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'WriteRunObjectsOnce',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: keyPatterns.map((pattern) => this.modelsBucket.arnForObjects(pattern)),
        conditions: {
          // CreateMultipartUpload, UploadPart and UploadPartCopy carry no conditional header.
          Bool: { 's3:ObjectCreationOperation': 'true' },
          Null: { 's3:if-none-match': 'true' },
          ...(serviceWriterRolePatterns.length > 0
            ? { ArnNotLike: { 'aws:PrincipalArn': serviceWriterRolePatterns } }
            : {}),
        },
      }),
    );
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

/** The name of a data store's bucket of `kind` (`raw`, `models`, ...) with `bucketNamePrefix` `prefix`. */
export function dataStoreBucketName(prefix: string, kind: string): string {
  return `${prefix}-${kind}`;
}

class ImportedMlDataStore extends MlDataStoreBase {
  public readonly encryptionKey: kms.IKey;
  public readonly rawBucket: s3.IBucket;
  public readonly curatedBucket: s3.IBucket;
  public readonly modelsBucket: s3.IBucket;
  public readonly monitoringBucket: s3.IBucket;
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, attrs: MlDataStoreAttributes) {
    super(scope, id);
    this.encryptionKey = attrs.encryptionKey;
    const bucket = (constructId: string, kind: string, encryptionKey?: kms.IKey) =>
      s3.Bucket.fromBucketAttributes(this, constructId, {
        bucketName: dataStoreBucketName(attrs.bucketNamePrefix, kind),
        encryptionKey,
      });
    this.rawBucket = bucket('RawBucket', 'raw', attrs.encryptionKey);
    this.curatedBucket = bucket('CuratedBucket', 'curated', attrs.encryptionKey);
    this.modelsBucket = bucket('ModelsBucket', 'models', attrs.encryptionKey);
    this.monitoringBucket = bucket('MonitoringBucket', 'monitoring', attrs.encryptionKey);
    this.accessLogsBucket = bucket('AccessLogsBucket', 'access-logs');
  }
}

/** `amazonaws.com` (or the region's partition's), literally where the region is known at synth. */
function domainSuffix(stack: Stack): string {
  if (Token.isUnresolved(stack.region)) return stack.urlSuffix;
  return RegionInfo.get(stack.region).domainSuffix ?? stack.urlSuffix;
}

function validateProps(
  path: string,
  p: {
    noncurrentVersionExpiration: Duration;
    infrequentAccessAfter: Duration;
    accessLogsExpiration: Duration;
    bucketNamePrefix?: string;
  },
): void {
  const problems: string[] = [];
  const prefix = p.bucketNamePrefix;
  // The longest name is <prefix>-access-logs; S3 names are 3-63 lowercase letters, digits, '-' and '.'.
  if (prefix !== undefined && !Token.isUnresolved(prefix) && !/^[a-z0-9][a-z0-9-]{0,50}$/.test(prefix)) {
    problems.push(
      `bucketNamePrefix '${prefix}' must be 1-51 lowercase letters, digits and -, starting with a letter or digit`,
    );
  }
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
    throw new Error(`Invalid MlDataStore props at ${path}:\n  - ${problems.join('\n  - ')}`);
  }
}
