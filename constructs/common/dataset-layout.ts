/**
 * Where datasets live in the raw bucket: the one description of that layout, used by
 * `mlenv data push|ls`, the training pipeline (which resolves `datasetVersion: "latest"`), its
 * triggers, the drift monitor's retraining and the local environment. A model's dataset is
 * named after the model (`ModelLayout.datasetPrefix`).
 *
 * Keys are relative to the bucket; a `...Dir` is a folder, without the trailing slash.
 *
 * ```
 * raw/  <dataset>/versions/<version>/<files...>     a version's files (the version is a hash of them)
 *       <dataset>/versions/<version>/manifest.json  each file's path, sha256 and size, written last
 *       <dataset>/latest.json                       the newest version (`LatestDatasetVersion`),
 *                                                   written after its manifest
 * ```
 *
 * A version without its manifest is an interrupted push, not a version, and never becomes the
 * latest. The training pipeline reads every CSV under a version's folder (`datasetS3Uri`).
 */
export const DatasetLayout = {
  /** The `datasetVersion` of an execution input that asks for the version `latest.json` names. */
  LATEST: 'latest',

  /** Every object of the dataset. */
  prefix: (dataset: string): string => `${dataset}/`,
  /** The folder that holds one folder per version. */
  versionsPrefix: (dataset: string): string => `${dataset}/versions/`,
  /** One version's folder. */
  versionDir: (dataset: string, version: string): string => `${dataset}/versions/${version}`,
  /** One version's manifest, the last object its push writes. */
  manifestKey: (dataset: string, version: string): string => `${dataset}/versions/${version}/manifest.json`,
  /** The pointer to the newest complete version. */
  latestKey: (dataset: string): string => `${dataset}/latest.json`,

  /** A version's folder as the pipeline takes it (`datasetS3Uri`): `s3://<bucket>/<dataset>/versions/<version>/`. */
  versionUri: (bucket: string, dataset: string, version: string): string =>
    `s3://${bucket}/${dataset}/versions/${version}/`,

  /** The content of `latest.json` naming `version`. */
  latest: (bucket: string, dataset: string, version: string): LatestDatasetVersion => ({
    dataset,
    version,
    datasetS3Uri: DatasetLayout.versionUri(bucket, dataset, version),
    manifest: `s3://${bucket}/${DatasetLayout.manifestKey(dataset, version)}`,
  }),
} as const;

/** `<dataset>/latest.json`: the newest complete version of a dataset. */
export interface LatestDatasetVersion {
  readonly dataset: string;
  readonly version: string;
  /** The version's folder, `s3://<bucket>/<dataset>/versions/<version>/`. */
  readonly datasetS3Uri: string;
  /** The version's manifest, `s3://<bucket>/<dataset>/versions/<version>/manifest.json`. */
  readonly manifest: string;
}
