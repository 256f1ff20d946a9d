import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { servicePrincipalFor } from '../common/service-principals';

/** Where SageMaker jobs and models run in a VPC: its subnets and security groups. */
export interface MlNetworkPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroups: ec2.ISecurityGroup[];
}

/** A placement as SageMaker's resources take it (`VpcConfig`). */
export function vpcConfigOf(placement: MlNetworkPlacement): {
  securityGroupIds: string[];
  subnets: string[];
} {
  return {
    securityGroupIds: placement.securityGroups.map((g) => g.securityGroupId),
    subnets: placement.subnets.map((s) => s.subnetId),
  };
}

/** Properties of an `MlNetwork`. */
export interface MlNetworkProps {
  /**
   * Availability zones of the private subnets (at least two). Given explicitly, so that synth
   * needs no account lookup.
   * @default - the stack region's `a` and `b` zones
   */
  readonly availabilityZones?: string[];
  /** @default '10.40.0.0/16' */
  readonly cidr?: string;
  /** Encrypts the flow log group. @default - CloudWatch Logs' own encryption */
  readonly flowLogsKey?: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly flowLogsRetention?: logs.RetentionDays;
  /** What happens to the flow log group (audit data) when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The interface endpoints SageMaker jobs and endpoints in a VPC without internet access need. */
const INTERFACE_ENDPOINTS: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
  SageMakerApi: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
  SageMakerRuntime: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
};

/**
 * A VPC for ML workloads that never reaches the internet: private isolated subnets in two or more
 * availability zones, no NAT gateway, an S3 gateway endpoint, interface endpoints for the AWS
 * services SageMaker jobs and endpoints call, security groups that allow only HTTPS to those
 * endpoints (and traffic between a job's own instances), and VPC flow logs.
 */
export class MlNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  /** For training, processing and monitoring jobs, and endpoint models. */
  public readonly workloadSecurityGroup: ec2.SecurityGroup;
  /** For the interface endpoints: HTTPS from the workloads only. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly flowLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MlNetworkProps = {}) {
    super(scope, id);
    const region = Stack.of(this).region;
    const availabilityZones =
      props.availabilityZones ?? (Token.isUnresolved(region) ? undefined : [`${region}a`, `${region}b`]);
    if (!availabilityZones || availabilityZones.length < 2) {
      throw new Error(
        `MlNetwork ${this.node.path}: give at least two availabilityZones (or an explicit stack region)`,
      );
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.40.0.0/16'),
      availabilityZones,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      // Restricting the default security group takes a Lambda-backed custom resource; nothing is placed in it.
      restrictDefaultSecurityGroup: false,
    });

    this.flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.flowLogsKey,
      retention: props.flowLogsRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        this.flowLogs,
        new iam.Role(this, 'FlowLogRole', {
          // Only this account's VPC flow logs may deliver through it.
          assumedBy: servicePrincipalFor(this, 'vpc-flow-logs.amazonaws.com', [
            Stack.of(this).formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }),
          ]),
        }),
      ),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.workloadSecurityGroup = new ec2.SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description:
        'SageMaker jobs and endpoint models: HTTPS to AWS endpoints, traffic between a job instances',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from SageMaker workloads only',
      allowAllOutbound: false,
    });
    // Rules between groups as resources with fixed ids (the L2 helpers name them after the peer's
    // path, which differs per stage).
    const workloads = this.workloadSecurityGroup.securityGroupId;
    const endpoints = this.endpointSecurityGroup.securityGroupId;
    new ec2.CfnSecurityGroupIngress(this, 'EndpointsFromWorkloads', {
      groupId: endpoints,
      sourceSecurityGroupId: workloads,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from SageMaker workloads',
    });
    new ec2.CfnSecurityGroupEgress(this, 'WorkloadsToEndpoints', {
      groupId: workloads,
      destinationSecurityGroupId: endpoints,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to interface endpoints',
    });
    // Distributed training: instances of one job talk to each other.
    new ec2.CfnSecurityGroupIngress(this, 'WorkloadsFromWorkloads', {
      groupId: workloads,
      sourceSecurityGroupId: workloads,
      ipProtocol: '-1',
      description: 'Between instances of a job',
    });
    new ec2.CfnSecurityGroupEgress(this, 'WorkloadsToWorkloads', {
      groupId: workloads,
      destinationSecurityGroupId: workloads,
      ipProtocol: '-1',
      description: 'Between instances of a job',
    });
    // The S3 gateway endpoint is reached through the route table; the subnets have no other way out.
    this.workloadSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to S3 (gateway endpoint)',
    );

    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    for (const [endpointId, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        privateDnsEnabled: true,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
    }
  }

  /** Where SageMaker workloads of this network run. */
  public get placement(): MlNetworkPlacement {
    return {
      vpc: this.vpc,
      subnets: this.vpc.isolatedSubnets,
      securityGroups: [this.workloadSecurityGroup],
    };
  }
}
