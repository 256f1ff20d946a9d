import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  bucketNamePrefix,
  type DataBucketKind,
  DISCOVERY_KEYS,
  type EnvironmentConfig,
  type ModelConfig,
} from '../../config';
import { pascalCase } from '../../constructs/common/pascal-case';
import { publishForCli } from './discovery-parameter';
import { MlDataStore } from '../../constructs';
import { ModelLayout } from '../../constructs/common/model-layout';
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
    // A promotion copies a run's artifact, evaluation and baseline to the next environment.
    for (const account of environment.promotionReaders) {
      this.dataStore.grantCrossAccountReadModels(
        account,
        props.models.map((m) => `${new ModelLayout(m.name).runDir('*')}/*`),
      );
    }

    this.operationsKey = new kms.Key(this, 'OperationsKey', {
      description: 'Encrypts log groups and notification topics',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch Logs encrypts this account's log groups in this region with the key.
    this.operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'], // in a key policy, '*' is this key
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}

/** The CDK removal policy of an environment's stateful resources. */
export function removalPolicyOf(environment: EnvironmentConfig): RemovalPolicy {
  return environment.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
