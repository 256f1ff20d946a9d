import { asObject } from '../../../cfn/json-values';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { origin, type RunTimeCall } from '../calls/run-time-call';

/**
 * CloudWatch Logs using the key of a KMS-encrypted log group: as `logs.<region>.amazonaws.com`,
 * with the log group's ARN as encryption context (`kms:EncryptionContext:aws:logs:arn`).
 */
export function encryptedLogGroupCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  logGroup: DeployedResource,
): RunTimeCall[] {
  const { stage, path, properties } = logGroup;
  const key = inventory.keyArn(properties.KmsKeyId, stage);
  if (!key) return [];
  const groupArn = `arn:${stage.partition}:logs:${stage.region}:${stage.account}:log-group:${deployed.ref(logGroup)}`;
  return ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'].map((action) => ({
    stage: stage.id,
    ...origin(path, 'encryption'),
    principal: `logs.${stage.region}.amazonaws.com`,
    action,
    resource: key,
    context: { 'kms:EncryptionContext:aws:logs:arn': groupArn },
  }));
}

/**
 * VPC Flow Logs delivering to a CloudWatch Logs group: the service assumes the delivery role (the
 * flow log as `aws:SourceArn`), which writes a stream per network interface.
 */
export function flowLogCalls(deployed: DeployedAssembly, flowLog: DeployedResource): RunTimeCall[] {
  const { stage, path, properties } = flowLog;
  const role = properties.DeliverLogsPermissionArn;
  if (
    typeof role !== 'string' ||
    (properties.LogDestinationType ?? 'cloud-watch-logs') !== 'cloud-watch-logs'
  ) {
    return [];
  }
  const flowLogArn = `arn:${stage.partition}:ec2:${stage.region}:${stage.account}:vpc-flow-log/${deployed.ref(flowLog)}`;
  const group = asObject(properties)?.LogGroupName;
  const stream = `arn:${stage.partition}:logs:${stage.region}:${stage.account}:log-group:${String(group)}:log-stream:eni-0123456789abcdef0-all`;
  const as = { stage: stage.id, ...origin(path, 'delivery') };
  return [
    {
      ...as,
      principal: 'vpc-flow-logs.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: role,
      context: { 'aws:SourceArn': flowLogArn, 'aws:SourceAccount': stage.account },
    },
    { ...as, principal: role, action: 'logs:CreateLogStream', resource: stream },
    { ...as, principal: role, action: 'logs:PutLogEvents', resource: stream },
  ];
}
