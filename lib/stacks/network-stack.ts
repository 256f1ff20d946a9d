import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config';
import { MlNetwork } from '../../constructs';
import { acknowledgeControl } from '../compliance/acknowledge';
import { removalPolicyOf } from './storage-stack';

export interface NetworkStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
  readonly operationsKey: kms.IKey;
}

/** The private VPC the environment's jobs and endpoints run in (environments with `network: vpc`). */
export class NetworkStack extends Stack {
  public readonly network: MlNetwork;

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
  }
}
