import { type IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Binds every unconditioned service principal in a role's trust policy to the role's own account
 * (`aws:SourceAccount`), the confused-deputy guard AWS recommends: CDK Pipelines creates its
 * pipeline and CodeBuild roles without it. CodePipeline and CodeBuild send the condition key;
 * CodeBuild also sends its project as `aws:SourceArn` (its confused-deputy guide), so CodeBuild's
 * trust is bound to the account's projects too (the projects' names are generated: the role
 * cannot name its own project without a cycle).
 */
export class ConditionServiceTrust implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnRole)) return;
    const stack = Stack.of(node);
    const document = stack.resolve(node.assumeRolePolicyDocument) as {
      Statement?: Array<{ Principal?: { Service?: unknown }; Condition?: unknown }>;
    };
    (document.Statement ?? []).forEach((statement, i) => {
      if (statement.Principal?.Service === undefined || statement.Condition !== undefined) return;
      const codeBuild = statement.Principal.Service === 'codebuild.amazonaws.com';
      node.addPropertyOverride(`AssumeRolePolicyDocument.Statement.${i}.Condition`, {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ...(codeBuild
          ? {
              ArnLike: {
                'aws:SourceArn': stack.formatArn({
                  service: 'codebuild',
                  resource: 'project',
                  resourceName: '*',
                }),
              },
            }
          : {}),
      });
    });
  }
}
