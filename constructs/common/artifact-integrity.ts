/**
 * What a registered package records of its model artifact, so that the bytes a promotion copies
 * and an endpoint loads are the bytes that were evaluated and approved.
 */
export const ARTIFACT_METADATA = {
  /** SHA-256 (hex) of `model.tar.gz` as S3 holds it: a promotion checks it. */
  sha256: 'artifactSha256',
  /**
   * SHA-256 (hex) of the archive's files (`inference.model_files_sha256`): SageMaker hands the
   * serving container the extracted files, not the archive, so serving checks this one.
   */
  filesSha256: 'artifactFilesSha256',
  /** The S3 version of `model.tar.gz` that was evaluated (`null` in an unversioned bucket). */
  versionId: 'artifactVersionId',
} as const;

/** Where the evaluation step's `evaluation.json` records the archive it evaluated (`ml/evaluate.py`). */
export const EVALUATION_ARTIFACT_FIELD = 'mlenv_artifact';

/** The environment variable the serving code reads the expected files digest from (`ml/inference.py`). */
export const MODEL_FILES_SHA256_ENV = 'MLENV_MODEL_FILES_SHA256';

/** A SHA-256 in hex, as the package and the pin record it. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
