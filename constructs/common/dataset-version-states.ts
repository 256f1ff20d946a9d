import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { IMlDataStore } from '../storage/ml-data-store';
import { DatasetLayout } from './dataset-layout';
import type { ModelLayout } from './model-layout';
import { readJsonObject } from './read-json-object';

/** Why a run that asks for `latest` of a dataset no one has pushed yet fails, and what to do. */
export function noDatasetVersionMessage(rawBucket: string, layout: ModelLayout): string {
  return (
    `no dataset version pushed yet: mlenv data push <env> <dir> --dataset ${layout.datasetName} ` +
    `(s3://${rawBucket}/${layout.latestDatasetKey} does not exist)`
  );
}

export interface DatasetVersionStatesProps {
  readonly dataStore: IMlDataStore;
  readonly layout: ModelLayout;
  /** Where a resolved input goes on. */
  readonly next: sfn.IChainable;
  /** Where a run goes when no version was pushed yet (`$.error` holds S3's NoSuchKey). */
  readonly noDatasetVersion: sfn.IChainable;
  /** Where any other failure to read latest.json goes (`$.error` holds it). */
  readonly failure: sfn.IChainable;
}

/**
 * The states that resolve an execution input's `datasetVersion` (`TrainingPipelineInput`):
 * `"latest"` reads the dataset's `latest.json` (written by `mlenv data push` after the version's
 * manifest) and replaces `datasetS3Uri` and `datasetVersion` with the ones it names, keeping
 * `reason`; any other version goes on as given. Returns the state to start from.
 */
export function datasetVersionStates(scope: Construct, props: DatasetVersionStatesProps): sfn.Choice {
  const { layout } = props;
  const readLatestVersion = readJsonObject(scope, 'ReadLatestDatasetVersion', {
    bucket: props.dataStore.rawBucket.bucketName,
    key: layout.latestDatasetKey,
    iamResource: props.dataStore.rawBucket.arnForObjects(layout.latestDatasetKey),
    field: 'pointer',
    resultPath: '$.latestDataset',
  });
  // S3 answers a missing key with NoSuchKey to a reader that may list the bucket (the caller's
  // role must have that grant), AccessDenied to one that may not.
  readLatestVersion.addCatch(props.noDatasetVersion, {
    errors: ['S3.NoSuchKeyException'],
    resultPath: '$.error',
  });
  readLatestVersion.addCatch(props.failure, { resultPath: '$.error' });
  readLatestVersion
    .next(
      new sfn.Pass(scope, 'UseLatestDatasetVersion', {
        parameters: {
          'datasetS3Uri.$': '$.latestDataset.pointer.datasetS3Uri',
          'datasetVersion.$': '$.latestDataset.pointer.version',
          'reason.$': '$.reason',
        },
      }),
    )
    .next(props.next);
  return new sfn.Choice(scope, 'WhichDatasetVersion')
    .when(sfn.Condition.stringEquals('$.datasetVersion', DatasetLayout.LATEST), readLatestVersion)
    .otherwise(props.next);
}
