import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/**
 * A task that reads a JSON object from S3 into `<resultPath>.<field>` (parsed), retrying what S3
 * and the task itself may throw transiently.
 */
export function readJsonObject(
  scope: Construct,
  id: string,
  props: { bucket: string; key: string; iamResource: string; field: string; resultPath: string },
): tasks.CallAwsService {
  const task = new tasks.CallAwsService(scope, id, {
    service: 's3',
    action: 'getObject',
    parameters: { Bucket: props.bucket, Key: props.key },
    iamResources: [props.iamResource],
    resultSelector: { [props.field]: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.Body')) },
    resultPath: props.resultPath,
    taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
  });
  task.addRetry({
    errors: ['S3.SdkClientException', 'S3.InternalErrorException', 'States.Timeout'],
    maxAttempts: 3,
  });
  return task;
}
