import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  bucketNamePrefix,
  type DataBucketKind,
  DISCOVERY_KEYS,
  type EnvironmentConfig,
  type ModelConfig,
} from '../../../config';
import { promotionReaderRoleArn } from './promotion-reader';
import { pascalCase } from '../../../cfn/pascal-case';
import { publishForCli } from './discovery-parameter';
import {
  allowLogGroupEncryption,
  MlDataStore,
  ModelLayout,
  TRAINING_JOB_ROLE_PATH,
} from '../../../constructs';
import { acknowledgeStorageFindings } from '../compliance/storage-acknowledgements';

export interface StorageStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  /** The models whose artifacts the next environment in the promotion order may read. */
  readonly models: readonly ModelConfig[];
}

/**
 * The environment's stateful data: buckets and their key, and the key of operational data. Kept apart from stateless stacks so
 * those can be replaced without touching data.
 */
export class StorageStack extends Stack {
  public readonly dataStore: MlDataStore;
  /** Encrypts operational data: log groups and notification topics. */
  public readonly operationsKey: kms.Key;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const removalPolicy = removalPolicyOf(environment);

    this.dataStore = new MlDataStore(this, 'Data', {
      // Globally unique, and known to the CLI and the other stacks without exports.
      bucketNamePrefix: bucketNamePrefix({ project: props.project, environment }),
      removalPolicy,
      noncurrentVersionExpiration: Duration.days(environment.noncurrentVersionDays),
      accessLogsExpiration: Duration.days(environment.logRetentionDays),
    });
    acknowledgeStorageFindings(this.dataStore);
    // Captured requests and responses expire (every model, whether its endpoint captures or not).
    for (const model of props.models) {
      this.dataStore.expireMonitoringObjects(
        `ExpireDataCapture${pascalCase(model.name)}`,
        `${new ModelLayout(model.name).dataCaptureDir}/`,
        Duration.days(environment.serving.captureRetentionDays),
      );
    }
    const buckets: Record<DataBucketKind, { bucketName: string }> = {
      raw: this.dataStore.rawBucket,
      curated: this.dataStore.curatedBucket,
      models: this.dataStore.modelsBucket,
      monitoring: this.dataStore.monitoringBucket,
    };
    for (const [kind, bucket] of Object.entries(buckets)) {
      publishForCli(
        this,
        `${pascalCase(kind)}BucketName`,
        props,
        DISCOVERY_KEYS.bucket(kind as DataBucketKind),
        bucket.bucketName,
        `The ${kind} data bucket`,
      );
    }
    publishForCli(
      this,
      'DataKeyArn',
      props,
      DISCOVERY_KEYS.dataKeyArn,
      this.dataStore.encryptionKey.keyArn,
      'The key of the data buckets',
    );
    // A promotion copies a run's artifact, evaluation and baseline to the next environment, as
    // that environment's promotion role.
    for (const reader of environment.promotionReaders) {
      this.dataStore.grantPromotionReadModels(
        promotionReaderRoleArn(this, props.project, reader),
        props.models.map((m) => `${new ModelLayout(m.name).runDir('*')}/*`),
      );
    }
    // Run objects are written once; only SageMaker's own job outputs go without If-None-Match.
    this.dataStore.refuseOverwrites(
      [`${new ModelLayout('*').runDir('*')}/*`],
      [`arn:${this.partition}:iam::${this.account}:role${TRAINING_JOB_ROLE_PATH}*`],
    );

    this.operationsKey = new kms.Key(this, 'OperationsKey', {
      description: 'Encrypts log groups and notification topics',
      enableKeyRotation: true,
      removalPolicy,
    });
    allowLogGroupEncryption(this.operationsKey);
  }
}

/** The CDK removal policy of an environment's stateful resources. */
export function removalPolicyOf(environment: EnvironmentConfig): RemovalPolicy {
  return environment.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
