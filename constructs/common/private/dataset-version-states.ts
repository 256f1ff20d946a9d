import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { IMlDataStore } from '../../storage/ml-data-store';
import { DatasetLayout } from '../dataset-layout';
import type { ModelLayout } from '../model-layout';
import { readJsonObject } from './read-json-object';
import { INPUT_STRINGS, jsonataIsRunString, RUN_STRING_RULES } from '../run-strings';

/** Why a run that asks for `latest` of a dataset no one has pushed yet fails, and what to do. */
export function noDatasetVersionMessage(rawBucket: string, layout: ModelLayout): string {
  return (
    `no dataset version pushed yet: mlenv data push <env> <dir> --dataset ${layout.datasetName} ` +
    `(s3://${rawBucket}/${layout.latestDatasetKey} does not exist)`
  );
}

/**
 * Why an execution is refused when a run-time string of its input (`field`), or of what the
 * dataset's `latest.json` names (`from`), is not of the grammar (`RUN_STRING_RULES`).
 */
export function invalidRunStringMessage(
  field: keyof typeof INPUT_STRINGS,
  from?: { readonly latestKey: string },
): string {
  const rule = RUN_STRING_RULES[INPUT_STRINGS[field]].rule;
  if (from) {
    const version = field === 'datasetVersion' ? ` (not '${DatasetLayout.LATEST}')` : '';
    return `the ${field} that ${from.latestKey} names must be ${rule}${version}`;
  }
  if (field === 'datasetVersion') return `datasetVersion must be '${DatasetLayout.LATEST}' or ${rule}`;
  return `${field} must be ${rule}`;
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
  /**
   * A state (of id `id`, new) that records an `InvalidInput` error with `cause` and fails the run:
   * where a run goes whose input, or whose `latest.json`, has a string out of the grammar.
   */
  readonly refuse: (id: string, cause: string) => sfn.IChainable;
}

/**
 * The states that check an execution input's run-time strings and resolve its `datasetVersion`
 * (`TrainingPipelineInput`). `CheckRunStrings` refuses, before anything else runs, an input whose
 * `datasetVersion` is neither `"latest"` nor a name of the grammar (`run-string-grammar.json`), whose
 * `reason` is not a name, or whose `datasetS3Uri` is not a location. `"latest"` then reads the
 * dataset's `latest.json` (written by `mlenv data push` after the version's manifest) and replaces
 * `datasetS3Uri` and `datasetVersion` with the ones it names, keeping `reason`;
 * `CheckLatestDatasetVersion` refuses them by the same grammar. Any other version goes on as
 * given. Both checks are JSONata Choice states (JSONPath has no regular expressions). Returns the
 * state to start from.
 */
export function datasetVersionStates(scope: Construct, props: DatasetVersionStatesProps): sfn.Choice {
  const { layout } = props;
  const from = { latestKey: layout.latestDatasetKey };
  const isValid = (field: keyof typeof INPUT_STRINGS) =>
    jsonataIsRunString(INPUT_STRINGS[field], `$states.input.${field}`);
  const refused = (condition: string) => sfn.Condition.jsonata(`{% $not(${condition}) %}`);

  const checkLatest = sfn.Choice.jsonata(scope, 'CheckLatestDatasetVersion', {
    comment: `Refuses a ${layout.latestDatasetKey} whose version or dataset is out of the grammar of run-time strings`,
  })
    .when(
      refused(`$states.input.datasetVersion != '${DatasetLayout.LATEST}' and ${isValid('datasetVersion')}`),
      props.refuse('InvalidLatestDatasetVersion', invalidRunStringMessage('datasetVersion', from)),
    )
    .when(
      refused(isValid('datasetS3Uri')),
      props.refuse('InvalidLatestDatasetS3Uri', invalidRunStringMessage('datasetS3Uri', from)),
    )
    .otherwise(props.next);

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
    .next(checkLatest);
  const whichVersion = new sfn.Choice(scope, 'WhichDatasetVersion')
    .when(sfn.Condition.stringEquals('$.datasetVersion', DatasetLayout.LATEST), readLatestVersion)
    .otherwise(props.next);

  return sfn.Choice.jsonata(scope, 'CheckRunStrings', {
    comment: 'Refuses an input whose run-time strings are out of their grammar, before anything runs',
  })
    .when(
      refused(`$states.input.datasetVersion = '${DatasetLayout.LATEST}' or ${isValid('datasetVersion')}`),
      props.refuse('InvalidDatasetVersion', invalidRunStringMessage('datasetVersion')),
    )
    .when(refused(isValid('reason')), props.refuse('InvalidReason', invalidRunStringMessage('reason')))
    .when(
      refused(isValid('datasetS3Uri')),
      props.refuse('InvalidDatasetS3Uri', invalidRunStringMessage('datasetS3Uri')),
    )
    .otherwise(whichVersion);
}
