import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';
import { buildRolePath, type EnvironmentConfig, packageDomainName } from '../../../config';
import {
  BuildNetwork,
  MlNetwork,
  type MlNetworkPlacement,
  type PackageRepositoryReference,
  PythonPackageRepository,
} from '../../../constructs';
import { acknowledgeControl } from '../compliance/acknowledge';
import { removalPolicyOf } from './storage-stack';

export interface NetworkStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  /** Encrypts the flow logs and the packages the builds install. */
  readonly operationsKey: kms.IKey;
}

/**
 * The private VPC the environment's jobs, endpoints and builds run in (environments with
 * `network: vpc`), and the CodeArtifact repository its builds install Python packages from.
 */
export class NetworkStack extends Stack {
  public readonly network: MlNetwork;
  /** Where the builds run: isolated subnets, HTTPS to the endpoints and S3 only. */
  public readonly buildPlacement: MlNetworkPlacement;
  /** What the builds install from: PyPI's packages, kept in the environment's account. */
  public readonly packageRepository: PackageRepositoryReference;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    // The VPC checks its zones against the stack's, which CDK would look up in the account at
    // synth; giving them as context keeps synth offline and without credentials.
    const availabilityZones = [`${this.region}a`, `${this.region}b`];
    this.node.setContext(
      `availability-zones:account=${this.account}:region=${this.region}`,
      availabilityZones,
    );
    this.network = new MlNetwork(this, 'Network', {
      availabilityZones,
      flowLogsKey: props.operationsKey,
      flowLogsRetention: props.environment.logRetentionDays as logs.RetentionDays,
      removalPolicy: removalPolicyOf(props.environment),
    });
    acknowledgeControl(
      this.network.vpc,
      'VPCDefaultSecurityGroupClosed',
      'Nothing is placed in the default security group; closing it takes a Lambda-backed custom resource, ' +
        'which this platform does not deploy',
    );
    acknowledgeControl(
      this.network.node.findChild('WorkloadsFromWorkloads'),
      'EC2RestrictedCommonPorts',
      'Instances of one distributed training job exchange data on ports chosen at run time; only members ' +
        'of the same security group can connect, and the subnets have no route to the internet',
    );

    // Every build role of the environment, and no other principal, by the path the builds' roles have.
    const builders = [
      this.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: `${buildRolePath(props).slice(1)}*`,
      }),
    ];
    const packages = new PythonPackageRepository(this, 'Packages', {
      domainName: packageDomainName(props),
      encryptionKey: props.operationsKey,
      readerArns: builders,
    });
    this.packageRepository = packages.reference;
    const builds = new BuildNetwork(this, 'Builds', {
      network: this.network,
      packageRepository: this.packageRepository,
      builderArns: builders,
      services: {
        // dbt's queries and catalog calls.
        Athena: ec2.InterfaceVpcEndpointAwsService.ATHENA,
        Glue: ec2.InterfaceVpcEndpointAwsService.GLUE,
        // The run recorders' MLflow requests, where the environment has a tracking server.
        ...(props.environment.tracking.server === 'managed'
          ? { SageMakerExperiments: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS }
          : {}),
      },
    });
    this.buildPlacement = builds.placement;
  }
}
