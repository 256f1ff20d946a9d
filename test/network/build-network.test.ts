import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BuildNetwork, MlNetwork } from '../../constructs';
import { testApp } from '../support/test-app';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BUILDERS = `arn:aws:iam::${ACCOUNT}:role/acme/prod/builds/*`;

function build() {
  const stack = new Stack(testApp(), 'Net', { env: { account: ACCOUNT, region: REGION } });
  const network = new MlNetwork(stack, 'Network', {
    flowLogsKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
  });
  const builds = new BuildNetwork(stack, 'Builds', {
    network,
    packageRepository: { domainName: 'acme-prod', domainOwner: ACCOUNT, repositoryName: 'python' },
    builderArns: [BUILDERS],
    services: { Athena: ec2.InterfaceVpcEndpointAwsService.ATHENA },
  });
  return { stack, network, builds, template: Template.fromStack(stack) };
}

describe('BuildNetwork', () => {
  const { stack, builds, template } = build();
  const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
  const endpointOf = (service: string) =>
    endpoints.find((e) => e.Properties.ServiceName === `com.amazonaws.${REGION}.${service}`)!;

  test("CodeArtifact's two endpoints and the given services', each with private DNS (pip uses the repository's own hostname)", () => {
    for (const service of ['codeartifact.api', 'codeartifact.repositories', 'athena']) {
      expect(endpointOf(service)).toBeDefined();
      expect(endpointOf(service).Properties.PrivateDnsEnabled).toBe(true);
    }
  });

  test('the CodeArtifact endpoints admit only the builders: tokens and the endpoint by the api, packages by the repositories', () => {
    const statements = (service: string) => endpointOf(service).Properties.PolicyDocument.Statement;
    for (const statement of [...statements('codeartifact.api'), ...statements('codeartifact.repositories')]) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Principal).toBe('*');
      expect(statement.Condition.ArnLike['aws:PrincipalArn']).toEqual([BUILDERS]);
    }
    expect(
      statements('codeartifact.api')
        .flatMap((s: { Action: string | string[] }) => [s.Action].flat())
        .sort(),
    ).toEqual([
      'codeartifact:GetAuthorizationToken',
      'codeartifact:GetRepositoryEndpoint',
      'sts:GetServiceBearerToken',
    ]);
    expect(statements('codeartifact.repositories')).toEqual([
      expect.objectContaining({
        Action: 'codeartifact:ReadFromRepository',
        Resource: `arn:aws:codeartifact:${REGION}:${ACCOUNT}:repository/acme-prod/python`,
      }),
    ]);
  });

  test("the builds' security group allows only HTTPS out: to the endpoints, and to S3 through the gateway (the subnets' only route out)", () => {
    const group = stack.resolve(builds.securityGroup.securityGroupId);
    const [own] = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).filter(
      ([id]) => id === group['Fn::GetAtt'][0],
    );
    expect(own[1].Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).filter(
      (e) => JSON.stringify(e.Properties.GroupId) === JSON.stringify(group),
    );
    expect(egress).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      }),
    ]);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  test('builds are placed in the isolated subnets with that group', () => {
    const placement = builds.placement;
    expect(placement.subnets.length).toBeGreaterThanOrEqual(2);
    expect(placement.securityGroups).toEqual([builds.securityGroup]);
  });
});
