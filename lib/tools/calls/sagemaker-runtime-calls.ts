import { ecrRepositoryArn } from './arns';
import type { DeployedStage } from './deployed-assembly';
import type { Caller } from './s3-object-calls';
import type { RunTimeCall } from './run-time-call';

/** SageMaker assuming the execution role it was given (`sourceArn`: the job, when there is one). */
export function assumedBySageMaker(caller: Caller, stage: DeployedStage, sourceArn?: string): RunTimeCall {
  return {
    ...caller,
    principal: 'sagemaker.amazonaws.com',
    action: 'sts:AssumeRole',
    resource: caller.principal,
    context: { 'aws:SourceAccount': stage.account, ...(sourceArn ? { 'aws:SourceArn': sourceArn } : {}) },
  };
}

/** Writing a container's logs to stream `stream` of `logGroup` (created on first use). */
export function containerLogCalls(
  caller: Caller,
  stage: DeployedStage,
  logGroup: string,
  stream: string,
): RunTimeCall[] {
  const group = `arn:${stage.partition}:logs:${stage.region}:${stage.account}:log-group:${logGroup}`;
  const logStream = `${group}:log-stream:${stream}`;
  return [
    { ...caller, action: 'logs:CreateLogGroup', resource: group },
    { ...caller, action: 'logs:DescribeLogStreams', resource: group },
    { ...caller, action: 'logs:CreateLogStream', resource: logStream },
    { ...caller, action: 'logs:PutLogEvents', resource: logStream },
  ];
}

/** Publishing metrics to `namespace` (PutMetricData has no resource-level permissions). */
export function metricCalls(caller: Caller, namespace: string): RunTimeCall[] {
  return [
    {
      ...caller,
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': namespace },
    },
  ];
}

/** Pulling `imageUri` from ECR (nothing for images outside ECR). */
export function imagePullCalls(caller: Caller, stage: DeployedStage, imageUri: string): RunTimeCall[] {
  const repository = ecrRepositoryArn(imageUri, stage.partition);
  if (!repository) return [];
  return [
    { ...caller, action: 'ecr:GetAuthorizationToken', resource: '*' },
    ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map(
      (action) => ({
        ...caller,
        action,
        resource: repository,
      }),
    ),
  ];
}

/** What SageMaker does with the role to place instances in a VPC (its documented ENI permissions). */
export function vpcPlacementCalls(caller: Caller): RunTimeCall[] {
  return [
    'ec2:CreateNetworkInterface',
    'ec2:CreateNetworkInterfacePermission',
    'ec2:DeleteNetworkInterface',
    'ec2:DeleteNetworkInterfacePermission',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeVpcs',
    'ec2:DescribeDhcpOptions',
    'ec2:DescribeSubnets',
    'ec2:DescribeSecurityGroups',
  ].map((action) => ({ ...caller, action, resource: '*' }));
}

/** A grant on the key of an ML storage volume, made for SageMaker's instances. */
export function volumeKeyGrant(caller: Caller, stage: DeployedStage, keyArn: string): RunTimeCall {
  return {
    ...caller,
    action: 'kms:CreateGrant',
    resource: keyArn,
    context: {
      'kms:GrantIsForAWSResource': 'true',
      'kms:ViaService': `sagemaker.${stage.region}.amazonaws.com`,
      'kms:CallerAccount': stage.account,
    },
  };
}
