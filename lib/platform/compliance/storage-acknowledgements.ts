import type { IConstruct } from 'constructs';
import type { MlDataStore } from '../../../constructs';
import { acknowledgeControl } from './acknowledge';

/**
 * cdk-nag findings on the data store that this platform accepts, each on one bucket with its
 * reason. Kept here, not in the construct: a library ships no suppressions.
 */
export function acknowledgeStorageFindings(store: MlDataStore): void {
  const noSecondRegion =
    'the configuration names one region per environment, so there is no replication target; ' +
    'versioning, noncurrent-version retention and the Retain policy outside dev protect it';
  const replication: Array<[IConstruct, string]> = [
    [store.rawBucket, `Raw data can be re-ingested from its source systems; ${noSecondRegion}`],
    [store.curatedBucket, `Curated data is rebuilt from raw data by the data pipelines; ${noSecondRegion}`],
    [
      store.modelsBucket,
      `Model artifacts are rebuilt by the training pipeline from versioned data; ${noSecondRegion}`,
    ],
    [store.monitoringBucket, `Data capture and monitoring reports are operational data; ${noSecondRegion}`],
    [store.accessLogsBucket, `Access logs are kept in-region for their retention period; ${noSecondRegion}`],
  ];
  for (const [bucket, reason] of replication) {
    acknowledgeControl(bucket, 'S3BucketReplicationEnabled', reason);
  }

  acknowledgeControl(
    store.accessLogsBucket,
    'S3DefaultEncryptionKMS',
    'S3 server access logging can only deliver to buckets encrypted with SSE-S3, not SSE-KMS ' +
      '(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)',
  );
}
