import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  CDK_BOOTSTRAP_ROLES,
  GITHUB_ACTIONS_AUDIENCE,
  GITHUB_ACTIONS_ISSUER,
  GitHubActionsDeployRole,
  type GitHubActionsDeployRoleProps,
} from '../../constructs';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

function synth(props: Partial<GitHubActionsDeployRoleProps> = {}) {
  const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION } });
  const provider = new iam.OidcProviderNative(stack, 'GitHub', {
    url: `https://${GITHUB_ACTIONS_ISSUER}`,
    clientIds: [GITHUB_ACTIONS_AUDIENCE],
  });
  new GitHubActionsDeployRole(stack, 'Deploy', {
    provider,
    subject: 'repo:acme/ml-platform:ref:refs/heads/main',
    ...props,
  });
  return Template.fromStack(stack);
}

describe('GitHubActionsDeployRole', () => {
  test('trusts only tokens for the audience of configure-aws-credentials and the exact subject', () => {
    const [role] = Object.values(synth().findResources('AWS::IAM::Role'));
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: expect.anything() },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:acme/ml-platform:ref:refs/heads/main',
          },
        },
      },
    ]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
  });

  test.each([
    ['the default qualifier', undefined, 'hnb659fds'],
    ['a custom qualifier', 'custom123', 'custom123'],
  ])(
    'may assume the CDK bootstrap roles of its account and region, with %s, and nothing else',
    (_, given, qualifier) => {
      const [policy] = Object.values(synth({ bootstrapQualifier: given }).findResources('AWS::IAM::Policy'));
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0].Action).toBe('sts:AssumeRole');
      const resources = JSON.stringify(statements[0].Resource);
      for (const kind of CDK_BOOTSTRAP_ROLES) {
        expect(resources).toContain(
          `:iam::${ACCOUNT}:role/cdk-${qualifier}-${kind}-role-${ACCOUNT}-${REGION}`,
        );
      }
      expect(statements[0].Resource).toHaveLength(CDK_BOOTSTRAP_ROLES.length);
    },
  );

  test.each([
    'repo:acme/*:ref:refs/heads/main',
    'repo:acme/ml-platform:ref:refs/heads/*',
    'repo:acme/ml-platform:environment:pr?d',
    'acme/ml-platform',
    'repo:acme:ref:refs/heads/main',
  ])('refuses a subject that is not one exact repository and branch or environment: %s', (subject) => {
    expect(() => synth({ subject })).toThrow(/must be an exact GitHub subject/);
  });
});
