import { asObject } from '../../../cfn/json-values';
import { CODEARTIFACT_SERVICE_NAME, PIP_LOGIN } from '../../../constructs';
import type { DeployedResource } from './deployed-assembly';
import type { PolicyInventory } from './policy-inventory';
import type { DerivedCalls, RunTimeCall } from './run-time-call';
import type { Caller } from './s3-object-calls';

/**
 * What CodeBuild asks through a build's role to place the build in its VPC (its documented
 * permissions for VPC builds): describing the VPC, its subnets, security groups and DHCP options,
 * creating and deleting the build's network interface, and the permission on that interface for
 * CodeBuild in one of the project's subnets. Nothing for a build outside a VPC.
 */
export function buildPlacementCalls(project: DeployedResource, caller: Caller): RunTimeCall[] {
  const vpc = asObject(project.properties.VpcConfig);
  if (!vpc) return [];
  const { stage } = project;
  const ec2 = (resource: string) => `arn:${stage.partition}:ec2:${stage.region}:${stage.account}:${resource}`;
  const [subnet] = [vpc.Subnets].flat().map(String);
  return [
    ...[
      'ec2:CreateNetworkInterface',
      'ec2:DescribeDhcpOptions',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcs',
    ].map((action) => ({ ...caller, action, resource: '*' })),
    {
      ...caller,
      action: 'ec2:CreateNetworkInterfacePermission',
      resource: ec2('network-interface/eni-0123456789abcdef0'),
      context: { 'ec2:Subnet': ec2(`subnet/${subnet}`), 'ec2:AuthorizedService': 'codebuild.amazonaws.com' },
    },
  ];
}

/** The value of `--<option> <value>` (or `=value`) in a command. */
const optionOf = (command: string, option: string) =>
  new RegExp(`--${option}(?:=|\\s+)(\\S+)`).exec(command)?.[1];

/**
 * What pip's login to a CodeArtifact repository and its install from it ask of IAM, for each
 * `aws codeartifact login --tool pip` of a build's commands: a token of the domain
 * (`codeartifact:GetAuthorizationToken`, with the STS bearer token CodeArtifact asks for in the
 * caller's name) and the repository's endpoint (`GetRepositoryEndpoint`), through the
 * `codeartifact.api` endpoint of the build's VPC; the packages (`ReadFromRepository`), through its
 * `codeartifact.repositories` endpoint. A build outside a VPC reaches CodeArtifact's public endpoints.
 */
export function packageInstallCalls(
  inventory: PolicyInventory,
  project: DeployedResource,
  commands: readonly string[],
  caller: Caller,
): DerivedCalls {
  const calls: RunTimeCall[] = [];
  const problems: string[] = [];
  const { stage } = project;
  const vpcId = asObject(project.properties.VpcConfig)?.VpcId;
  for (const command of commands.filter((c) => c.startsWith(`${PIP_LOGIN} `))) {
    const domain = optionOf(command, 'domain');
    const owner = optionOf(command, 'domain-owner') ?? stage.account;
    const repository = optionOf(command, 'repository');
    if (!domain || !repository) {
      problems.push(`cannot read the domain and repository of: ${command}`);
      continue;
    }
    const arn = (resource: string) =>
      `arn:${stage.partition}:codeartifact:${stage.region}:${owner}:${resource}`;
    const through = (service: string) => {
      if (vpcId === undefined) return {};
      const endpoint = inventory.interfaceEndpoint(stage, String(vpcId), service);
      if (!endpoint)
        problems.push(`its VPC has no ${service} endpoint with private DNS: the build cannot reach it`);
      return endpoint ? { vpcEndpoint: endpoint.arn } : {};
    };
    const api = through('codeartifact.api');
    calls.push(
      { ...caller, ...api, action: 'codeartifact:GetAuthorizationToken', resource: arn(`domain/${domain}`) },
      {
        ...caller,
        ...api,
        action: 'sts:GetServiceBearerToken',
        resource: '*',
        context: { 'sts:AWSServiceName': CODEARTIFACT_SERVICE_NAME },
      },
      {
        ...caller,
        ...api,
        action: 'codeartifact:GetRepositoryEndpoint',
        resource: arn(`repository/${domain}/${repository}`),
      },
      {
        ...caller,
        ...through('codeartifact.repositories'),
        action: 'codeartifact:ReadFromRepository',
        resource: arn(`repository/${domain}/${repository}`),
      },
    );
  }
  return { calls, problems };
}
