import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ModelRegistry, type ModelRegistryProps } from '../../constructs';
import { testApp } from '../support/test-app';

function registry(props: Partial<ModelRegistryProps> = {}) {
  const stack = new Stack(testApp(), 'Reg', { env: { account: '111111111111', region: 'eu-west-1' } });
  const construct = new ModelRegistry(stack, 'Registry', {
    modelNames: ['churn', 'fraud'],
    groupNamePrefix: 'mlenv-dev',
    ...props,
  });
  return { stack, construct, template: () => Template.fromStack(stack) };
}

describe('ModelRegistry', () => {
  test('creates one retained model package group per model', () => {
    const template = registry().template();
    template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 2);
    for (const name of ['mlenv-dev-churn', 'mlenv-dev-fraud']) {
      template.hasResource('AWS::SageMaker::ModelPackageGroup', {
        Properties: Match.objectLike({ ModelPackageGroupName: name }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  test('lets only the named roles read packages (for promotion): their accounts as principal, the roles in aws:PrincipalArn', () => {
    const roles = [
      'arn:aws:iam::333333333333:role/mlenv-prod-promotion',
      'arn:aws:iam::222222222222:role/mlenv-staging-promotion',
      'arn:aws:iam::222222222222:role/mlenv-staging-promotion',
    ];
    const template = registry({ readerRoles: roles }).template();
    const accountOf = (arn: string) => arn.split(':')[4];
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'mlenv-dev-churn',
      ModelPackageGroupPolicy: {
        Statement: [
          {
            Sid: 'ReadForPromotion',
            Effect: 'Allow',
            Principal: {
              AWS: [...new Set(roles.map(accountOf))].sort().map((a) => `arn:aws:iam::${a}:root`),
            },
            Action: [
              'sagemaker:DescribeModelPackageGroup',
              'sagemaker:DescribeModelPackage',
              'sagemaker:ListModelPackages',
            ],
            Resource: [
              'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlenv-dev-churn',
              'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-dev-churn/*',
            ],
            Condition: { ArnEquals: { 'aws:PrincipalArn': [...new Set(roles)].sort() } },
          },
        ],
      },
    });
  });

  test('has no resource policy when no other account reads it', () => {
    const groups = registry().template().findResources('AWS::SageMaker::ModelPackageGroup');
    for (const group of Object.values(groups))
      expect(group.Properties.ModelPackageGroupPolicy).toBeUndefined();
  });

  test('sends package state changes of its groups to an encrypted topic EventBridge may use', () => {
    const template = registry().template();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['mlenv-dev-churn', 'mlenv-dev-fraud'] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^RegistryEvents') } })],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  test('grantRegister lets a role create packages of one model only; grantRead reads', () => {
    const { stack, construct } = registry();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    construct.grantRegister(role, 'churn');
    construct.grantRead(role, 'fraud');
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'],
          Resource: [
            'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlenv-dev-churn',
            'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-dev-churn/*',
          ],
        }),
        expect.objectContaining({
          Action: [
            'sagemaker:DescribeModelPackage',
            'sagemaker:DescribeModelPackageGroup',
            'sagemaker:ListModelPackages',
          ],
          Resource: [
            'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlenv-dev-fraud',
            'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-dev-fraud/*',
          ],
        }),
      ]),
    );
    expect(() => construct.grantRegister(role, 'unknown')).toThrow(
      "Model 'unknown' is not in the registry (models: churn, fraud)",
    );
  });

  test('RemovalPolicy.DESTROY deletes the groups with the stack', () => {
    const template = registry({ removalPolicy: RemovalPolicy.DESTROY }).template();
    for (const group of Object.values(template.findResources('AWS::SageMaker::ModelPackageGroup'))) {
      expect(group.DeletionPolicy).toBe('Delete');
    }
  });

  test('refuses bad props, listing every problem', () => {
    expect(() =>
      registry({
        modelNames: ['churn', 'churn'],
        readerRoles: ['arn:aws:iam::12:root'],
        groupNamePrefix: 'Bad_Prefix',
      }),
    ).toThrow(
      /Invalid ModelRegistry props at Reg\/Registry:[\s\S]*'Bad_Prefix-churn'[\s\S]*must be unique[\s\S]*'arn:aws:iam::12:root' is not an IAM role ARN/,
    );
    expect(() => registry({ modelNames: [] })).toThrow('modelNames must name at least one model');
  });
});
