import type { Stack } from 'aws-cdk-lib';
import { type EnvironmentConfig, promotionRoleName } from '../../../config';

/**
 * The ARN of the promotion role of `reader` (the environment after `stack`'s in the promotion
 * order): the one principal the registry, the models bucket and the data key let read.
 */
export function promotionReaderRoleArn(
  stack: Stack,
  project: string,
  reader: EnvironmentConfig['promotionReaders'][number],
): string {
  return `arn:${stack.partition}:iam::${reader.account}:role/${promotionRoleName({ project, environment: reader })}`;
}
