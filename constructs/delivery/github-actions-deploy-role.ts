import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The issuer of GitHub Actions' OIDC tokens (its provider's URL without `https://`). */
export const GITHUB_ACTIONS_ISSUER = 'token.actions.githubusercontent.com';

/** The audience `aws-actions/configure-aws-credentials` asks GitHub to put in its tokens. */
export const GITHUB_ACTIONS_AUDIENCE = 'sts.amazonaws.com';

/** The roles `cdk bootstrap` creates, which `cdk deploy` assumes. */
export const CDK_BOOTSTRAP_ROLES = ['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const;

export interface GitHubActionsDeployRoleProps {
  /** The account's OIDC provider for `token.actions.githubusercontent.com`. */
  readonly provider: iam.IOidcProvider;
  /**
   * The exact `sub` claim of the workflow jobs that may assume the role, in the format the
   * repository's subject template gives it: GitHub's default
   * (`repo:acme/ml-platform:environment:prod`, which any workflow on any branch declaring the
   * environment presents) or, stricter, a customized one naming the branch and workflow file too
   * (`repo:acme/ml-platform:environment:prod:ref:refs/heads/main:job_workflow_ref:acme/ml-platform/.github/workflows/deploy.yml@refs/heads/main`).
   * Wildcards are refused.
   */
  readonly subject: string;
  /**
   * The role's name, for workflows that name it before they can read anything.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * The qualifier of the CDK bootstrap stack in this account and region.
   * @default 'hnb659fds' (the CDK's default)
   */
  readonly bootstrapQualifier?: string;
  /**
   * How long a session lasts; a deploy of one environment fits in the default.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * A role the GitHub Actions jobs of one exact OIDC subject (one repository, and the branch,
 * environment and workflow file the subject names) assume to run `cdk deploy` in this account
 * and region: it may only assume the CDK bootstrap roles (deploy, file and image publishing,
 * lookup), which do the work with the permissions `cdk bootstrap` gave them. No long-lived keys;
 * nothing else trusted.
 *
 * @example
 * const provider = new iam.OidcProviderNative(this, 'GitHub', {
 *   url: `https://${GITHUB_ACTIONS_ISSUER}`,
 *   clientIds: [GITHUB_ACTIONS_AUDIENCE],
 * });
 * new GitHubActionsDeployRole(this, 'Deploy', {
 *   provider,
 *   subject: 'repo:acme/ml-platform:ref:refs/heads/main',
 * });
 */
export class GitHubActionsDeployRole extends Construct {
  /** The ARNs of the CDK bootstrap roles of `stack`'s account and region, with `qualifier`. */
  public static bootstrapRoleArns(stack: Stack, qualifier = 'hnb659fds'): string[] {
    return CDK_BOOTSTRAP_ROLES.map(
      (kind) =>
        `arn:${stack.partition}:iam::${stack.account}:role/cdk-${qualifier}-${kind}-role-${stack.account}-${stack.region}`,
    );
  }

  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubActionsDeployRoleProps) {
    super(scope, id);
    if (!/^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:[^*?]+$/.test(props.subject)) {
      throw new Error(
        `GitHubActionsDeployRole: subject '${props.subject}' must be an exact GitHub subject, ` +
          'repo:<owner>/<name>:ref:refs/heads/<branch> or repo:<owner>/<name>:environment:<name>, without wildcards',
      );
    }
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `GitHub Actions deploys (${props.subject})`,
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(props.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_ACTIONS_ISSUER}:aud`]: GITHUB_ACTIONS_AUDIENCE,
          [`${GITHUB_ACTIONS_ISSUER}:sub`]: props.subject,
        },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: GitHubActionsDeployRole.bootstrapRoleArns(Stack.of(this), props.bootstrapQualifier),
      }),
    );
  }
}
