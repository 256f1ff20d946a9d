import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { s3Arn } from '../../calls/arns';
import { s3ReadCalls } from '../../calls/s3-object-calls';
import { cannotDerive, missingStrings, namedError, type TaskIntegration } from '../task-integration';

/** An S3 version id, as S3 gives them (HEAD of a versioned bucket's object), in a sample's answer. */
const SAMPLE_VERSION_ID = 'sample.version.0123456789abcdefgh';

/**
 * Reads of an S3 object through the SDK integration: `aws-sdk:s3:getObject` (a dataset's
 * `latest.json`, an evaluation) and `aws-sdk:s3:headObject` (an artifact's version). Not priced:
 * requests are a rounding error of the estimate. Locally: answered by the emulator's S3.
 */
export const S3_OBJECT_READ: TaskIntegration = {
  apis: ['aws-sdk:s3:getObject', 'aws-sdk:s3:headObject'],
  deniedError: 'S3.S3Exception',
  calls({ inventory, caller, api }, parameters) {
    const absent = missingStrings(parameters, 'Bucket', 'Key');
    if (absent.length > 0) return cannotDerive(absent);
    const bucket = String(parameters.Bucket);
    const partition = inventory.buckets.get(bucket)?.stage.partition ?? 'aws';
    if (api === 'aws-sdk:s3:headObject') {
      // HEAD of an object: s3:GetObject, without the key (nothing is decrypted).
      return {
        calls: [
          { ...caller, action: 's3:GetObject', resource: s3Arn(partition, bucket, String(parameters.Key)) },
        ],
        problems: [],
      };
    }
    return {
      calls: [
        ...s3ReadCalls(inventory, caller, `s3://${bucket}/${String(parameters.Key)}`),
        // S3 answers a missing key with NoSuchKey (which a definition may catch: a dataset's
        // missing latest.json) only to a caller that may list the bucket; to others, AccessDenied.
        { ...caller, action: 's3:ListBucket', resource: s3Arn(partition, bucket) },
      ],
      problems: [],
    };
  },
  cost: { free: 'a few requests a run: a rounding error of the estimate' },
  sample({ api, answers }, parameters) {
    if (api === 'aws-sdk:s3:headObject') return { VersionId: SAMPLE_VERSION_ID, ContentLength: 1 };
    return {
      Body: answers.objectBody?.(`s3://${String(parameters.Bucket)}/${String(parameters.Key)}`) ?? '{}',
      ContentType: 'application/json',
    };
  },
  async run({ api, clients: { s3 } }, parameters) {
    const location = { Bucket: String(parameters.Bucket), Key: String(parameters.Key) };
    if (api === 'aws-sdk:s3:headObject') {
      const output = await s3.send(new HeadObjectCommand(location));
      // The emulator's buckets are not versioned (see emulator-gaps): S3 calls that version 'null'.
      return {
        VersionId: output.VersionId ?? 'null',
        ContentLength: output.ContentLength,
        ETag: output.ETag,
      };
    }
    const output = await s3.send(new GetObjectCommand(location)).catch((error: Error) => {
      // Named as Step Functions names it, so the definition's Catch rules apply as on AWS
      // (a dataset's missing latest.json is `NoDatasetVersion`).
      if (error.name === 'NoSuchKey') throw namedError('S3.NoSuchKeyException', error.message);
      throw error;
    });
    // Step Functions' SDK integration returns the body as a string.
    return {
      Body: (await output.Body?.transformToString('utf8')) ?? '',
      ContentType: output.ContentType,
      ContentLength: output.ContentLength,
    };
  },
};
