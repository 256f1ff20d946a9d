import * as iam from 'aws-cdk-lib/aws-iam';

/** What SageMaker does with a VPC job's or model's network interfaces, in the role's name. */
export const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:CreateNetworkInterfacePermission',
  'ec2:DeleteNetworkInterface',
  'ec2:DeleteNetworkInterfacePermission',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeVpcs',
  'ec2:DescribeDhcpOptions',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
];

/**
 * Lets a SageMaker execution role place a job's or model's network interfaces in a VPC: SageMaker
 * creates, describes and deletes them in the role's name. ENI ids are not known beforehand and the
 * Describe actions have no resource-level permissions, so these statements name no resource.
 */
export function grantNetworkInterfaces(role: iam.IRole): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PlaceInVpc',
      actions: NETWORK_INTERFACE_ACTIONS,
      resources: ['*'],
    }),
  );
}
