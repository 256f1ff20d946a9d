import { Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EndpointVariant, MlDataStore, MlNetwork, ModelEndpoint, TrainingPipeline } from '../../constructs';
import { testApp } from '../support/test-app';
import { pipelineFixture } from '../support/training-fixtures';

function network() {
  const stack = new Stack(testApp(), 'Net', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const construct = new MlNetwork(stack, 'Network', { flowLogsKey: key });
  return { stack, construct, template: Template.fromStack(stack) };
}

describe('MlNetwork', () => {
  const { template } = network();

  test('private isolated subnets in two availability zones, no NAT gateway, no internet gateway', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    expect(
      Object.values(template.findResources('AWS::EC2::Subnet'))
        .map((s) => s.Properties.AvailabilityZone)
        .sort(),
    ).toEqual(['eu-west-1a', 'eu-west-1b']);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  test('an S3 gateway endpoint and the interface endpoints SageMaker needs, with private DNS', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({}),
    });
    const services = Object.values(
      template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }),
    ).map((e) => e.Properties.ServiceName as string);
    expect(services.map((s) => s.replace('com.amazonaws.eu-west-1.', '')).sort()).toEqual(
      ['ecr.api', 'ecr.dkr', 'kms', 'logs', 'monitoring', 'sagemaker.api', 'sagemaker.runtime', 'sts'].sort(),
    );
    for (const endpoint of Object.values(
      template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }),
    )) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    }
  });

  test('security groups allow only HTTPS from workloads to endpoints, and traffic within a job', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const workloads = Object.keys(groups).find((id) => id.startsWith('NetworkWorkloadSecurityGroup'))!;
    const endpoints = Object.keys(groups).find((id) => id.startsWith('NetworkEndpointSecurityGroup'))!;
    expect(groups[endpoints].Properties.SecurityGroupIngress).toBeUndefined(); // only the rule below
    expect(groups[workloads].Properties.SecurityGroupEgress).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS to S3 (gateway endpoint)',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [endpoints, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [workloads, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [workloads, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [workloads, 'GroupId'] },
      IpProtocol: '-1',
    });
    for (const ingress of Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))) {
      expect(ingress.Properties.CidrIp).toBeUndefined();
    }
  });

  test('flow logs of all traffic go to a KMS-encrypted, retained log group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('needs two availability zones', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    expect(() => new MlNetwork(stack, 'Network')).toThrow(/give at least two availabilityZones/);
    expect(
      () =>
        new MlNetwork(new Stack(testApp(), 'One', { env: { region: 'eu-west-1' } }), 'N', {
          availabilityZones: ['eu-west-1a'],
        }),
    ).toThrow(/at least two availabilityZones/);
  });
});

describe('workloads in the network', () => {
  test('training and processing jobs run in its subnets and security group, and may manage their ENIs', () => {
    const { stack, props } = pipelineFixture();
    const net = new MlNetwork(stack, 'Network');
    new TrainingPipeline(stack, 'Churn', { ...props, network: net.placement });
    const template = Template.fromStack(stack);
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('\\"VpcConfig\\":{\\"SecurityGroupIds\\":[\\"');
    expect((definition.match(/VpcConfig/g) ?? []).length).toBe(4); // Preprocess, Train, Evaluate, Baseline
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements.find((s) => s.Sid === 'PlaceInVpc')?.Action).toContain('ec2:CreateNetworkInterface');
  });

  test('endpoint models run in it', () => {
    const stack = new Stack(testApp(), 'Ep', { env: { account: '111111111111', region: 'eu-west-1' } });
    const net = new MlNetwork(stack, 'Network');
    new ModelEndpoint(stack, 'Churn', {
      modelName: 'churn',
      modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/g/1',
      artifactFilesSha256: 'f'.repeat(64),
      dataStore: new MlDataStore(stack, 'Data'),
      variant: EndpointVariant.serverless({ memorySize: Size.gibibytes(1), maxConcurrency: 1 }),
      network: net.placement,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Model', {
      VpcConfig: { SecurityGroupIds: [Match.anyValue()], Subnets: [Match.anyValue(), Match.anyValue()] },
      EnableNetworkIsolation: true,
    });
  });
});
