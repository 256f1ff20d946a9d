import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CODEARTIFACT_SERVICE_NAME,
  type PackageRepositoryReference,
  packageDomainArn,
  packageRepositoryArn,
} from '../packages/package-repository-reference';
import type { MlNetwork, MlNetworkPlacement } from './ml-network';

export interface BuildNetworkProps {
  /** The network the builds run in (its isolated subnets, its endpoints' security group). */
  readonly network: MlNetwork;
  /** Where the builds install packages from, reached through its two VPC endpoints. */
  readonly packageRepository: PackageRepositoryReference;
  /** The builds' roles (ARNs or ARN patterns): the only principals the package endpoints admit. */
  readonly builderArns: readonly string[];
  /**
   * Interface endpoints of the services the builds' own commands call, beyond the network's
   * (`{ Athena: ec2.InterfaceVpcEndpointAwsService.ATHENA }`), each with private DNS.
   * @default - none
   */
  readonly services?: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>>;
}

/**
 * Where CodeBuild builds run in an `MlNetwork` without reaching the internet: a security group
 * that allows only HTTPS to the network's interface endpoints and to S3 (the gateway endpoint),
 * CodeArtifact's two endpoints (`codeartifact.api` for tokens and the repository's endpoint,
 * `codeartifact.repositories` for packages, with private DNS, so pip uses the repository's own
 * hostname) whose policies admit only the builders' roles, and the endpoints of `services`.
 */
export class BuildNetwork extends Construct {
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly packageApiEndpoint: ec2.InterfaceVpcEndpoint;
  public readonly packageRepositoriesEndpoint: ec2.InterfaceVpcEndpoint;
  private readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: BuildNetworkProps) {
    super(scope, id);
    if (props.builderArns.length === 0)
      throw new Error(`BuildNetwork ${this.node.path}: builderArns is empty`);
    const { network } = props;
    this.vpc = network.vpc;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: 'CodeBuild builds: HTTPS to AWS endpoints and S3 only',
      allowAllOutbound: false,
    });
    new ec2.CfnSecurityGroupIngress(this, 'EndpointsFromBuilds', {
      groupId: network.endpointSecurityGroup.securityGroupId,
      sourceSecurityGroupId: this.securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from CodeBuild builds',
    });
    new ec2.CfnSecurityGroupEgress(this, 'BuildsToEndpoints', {
      groupId: this.securityGroup.securityGroupId,
      destinationSecurityGroupId: network.endpointSecurityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to interface endpoints',
    });
    // S3's managed prefix list id is per region and known only by a lookup at synth (or a custom
    // resource): neither is used here. The subnets route nothing but the VPC and S3's gateway
    // endpoint, so HTTPS to any address reaches those and nothing else.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 (gateway endpoint)');

    const admitted = { ArnLike: { 'aws:PrincipalArn': [...props.builderArns] } };
    const endpoint = (endpointId: string, service: ec2.InterfaceVpcEndpointAwsService) =>
      network.vpc.addInterfaceEndpoint(endpointId, {
        service,
        privateDnsEnabled: true,
        securityGroups: [network.endpointSecurityGroup],
        open: false,
      });
    const repository = packageRepositoryArn(this, props.packageRepository);

    this.packageApiEndpoint = endpoint(
      'CodeArtifactApi',
      ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_API,
    );
    this.packageApiEndpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BuildersGetTokensAndTheEndpoint',
        principals: [new iam.StarPrincipal()],
        actions: ['codeartifact:GetAuthorizationToken', 'codeartifact:GetRepositoryEndpoint'],
        resources: [packageDomainArn(this, props.packageRepository), repository],
        conditions: admitted,
      }),
    );
    // The bearer token CodeArtifact asks STS for in the caller's name (no resource type: `*`).
    this.packageApiEndpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BuildersBearerToken',
        principals: [new iam.StarPrincipal()],
        actions: ['sts:GetServiceBearerToken'],
        resources: ['*'],
        conditions: { ...admitted, StringEquals: { 'sts:AWSServiceName': CODEARTIFACT_SERVICE_NAME } },
      }),
    );
    this.packageRepositoriesEndpoint = endpoint(
      'CodeArtifactRepositories',
      ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_REPOSITORIES,
    );
    this.packageRepositoriesEndpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BuildersReadPackages',
        principals: [new iam.StarPrincipal()],
        actions: ['codeartifact:ReadFromRepository'],
        resources: [repository],
        conditions: admitted,
      }),
    );
    for (const [endpointId, service] of Object.entries(props.services ?? {})) endpoint(endpointId, service);
  }

  /** Where builds run: the network's isolated subnets, with the builds' security group. */
  public get placement(): MlNetworkPlacement {
    return { vpc: this.vpc, subnets: this.vpc.isolatedSubnets, securityGroups: [this.securityGroup] };
  }
}
