import type { DeployedStage } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { RunTimeCall } from '../calls/run-time-call';

/**
 * An AWS service publishing to an SNS topic for one of the account's resources (an alarm, a rule,
 * a budget): `sns:Publish` by the service principal with that resource as `aws:SourceArn`, and,
 * for an encrypted topic, the key's `kms:GenerateDataKey` and `kms:Decrypt` for the same service
 * (SNS uses the key on the publisher's behalf, so the key policy must admit the service, and it
 * names the topic as encryption context).
 */
export function servicePublishCalls(
  inventory: PolicyInventory,
  stage: DeployedStage,
  where: Pick<RunTimeCall, 'origin' | 'originPath'>,
  service: string,
  topicArn: string,
  sourceArn: string,
): RunTimeCall[] {
  const context = { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': stage.account };
  const as = { stage: stage.id, principal: service, ...where };
  const key = inventory.topics.get(topicArn)?.kmsKeyArn;
  return [
    { ...as, action: 'sns:Publish', resource: topicArn, context },
    ...(key
      ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
          ...as,
          action,
          resource: key,
          context: { ...context, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
        }))
      : []),
  ];
}
