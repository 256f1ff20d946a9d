import { type IAspect, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** The CodeBuild actions that start, stop and watch builds. */
export const BUILD_CONTROL_ACTIONS = [
  'codebuild:BatchGetBuilds',
  'codebuild:StartBuild',
  'codebuild:StopBuild',
];

type Statement = { Action?: string | string[]; Resource?: unknown };

/**
 * Narrows a role's grant to start, stop and watch builds of every project (`*`) to the projects
 * that run as that role. CDK Pipelines gives its asset publishing role that grant on `*`
 * (aws-cdk-lib `pipelines/lib/private/asset-singleton-role`), which would let an asset build start
 * the self-mutation project with a buildspec override and so run anything as the self-mutation
 * role, which deploys the pipeline and may assume the tooling account's CDK deploy role. The
 * pipeline's own action role starts the builds; nothing else needs `*`. Synth fails when such a
 * grant belongs to a role no project runs as, rather than leaving it on `*`.
 */
export class ScopeBuildControl implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const stack = Stack.of(node);
    const document = stack.resolve(node.policyDocument) as { Statement?: Statement[] };
    (document.Statement ?? []).forEach((statement, i) => {
      const actions = [statement.Action ?? []].flat();
      if (!actions.some((a) => BUILD_CONTROL_ACTIONS.includes(a)) || !onEveryResource(statement)) return;
      const roles = roleIdsOf(stack, node);
      const projects = stack.node
        .findAll()
        .filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)
        .filter((p) => roles.has(getAttTarget(stack.resolve(p.serviceRole)) ?? ''));
      if (projects.length === 0 || actions.some((a) => !BUILD_CONTROL_ACTIONS.includes(a))) {
        throw new Error(
          `${node.node.path}: statement ${i} grants ${actions.join(', ')} on every resource, and no ` +
            'project runs as its role to narrow it to',
        );
      }
      node.addPropertyOverride(
        `PolicyDocument.Statement.${i}.Resource`,
        projects.map((p) => p.attrArn),
      );
    });
  }
}

function onEveryResource(statement: Statement): boolean {
  return [statement.Resource].flat().includes('*');
}

/** The logical ids of the roles a policy is attached to. */
function roleIdsOf(stack: Stack, policy: iam.CfnPolicy): Set<string> {
  const roles = (stack.resolve(policy.roles) ?? []) as Array<{ Ref?: string }>;
  return new Set(roles.flatMap((r) => (r.Ref ? [r.Ref] : [])));
}

/** The logical id in `{ "Fn::GetAtt": [id, "Arn"] }`. */
function getAttTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return getAtt?.[1] === 'Arn' ? getAtt[0] : undefined;
}
