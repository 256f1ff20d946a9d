import { Aspects, type CfnElement, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { acknowledgeControl } from './acknowledge';

const IAM5 = 'AwsSolutions::AwsSolutions-IAM5';

/** Wildcard actions of aws-cdk-lib's grants on an asset bucket and a key (the variants of one operation each). */
const ASSET_AND_KEY_GRANT_ACTIONS = [
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  's3:GetBucket*',
  's3:GetObject*',
  's3:List*',
];

/** `arn:<partition>:<service>:<region>:<account>:<rest>` as cdk-nag prints a finding's resource. */
export function nagResource(stack: Stack, service: string, rest: string): string {
  return `Resource::arn:${String(stack.resolve(stack.partition))}:${service}:${stack.region}:${stack.account}:${rest}`;
}

/** The finding of the CDK asset bucket's objects (a script or a project shipped as an asset). */
export function assetObjectsFinding(stack: Stack): string {
  const bucket = String(
    stack.resolve(
      (stack.synthesizer as { bucketName?: string }).bucketName ??
        'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}',
    ),
  )
    .replace('${AWS::AccountId}', stack.account)
    .replace('${AWS::Region}', stack.region);
  return `Resource::arn:${String(stack.resolve(stack.partition))}:s3:::${bucket}/*`;
}

/**
 * Acknowledges on `policy` each wildcard finding `explained` gives a reason for, and aws-cdk-lib's
 * wildcard actions when every statement granting one names only the CDK asset bucket or `key`.
 */
export function acknowledgeExplainedWildcards(
  policy: iam.CfnPolicy,
  explained: ReadonlyMap<string, string>,
  key: kms.IKey,
): void {
  const findings = rules.iam.IAMNoWildcardPermissions(policy);
  for (const finding of Array.isArray(findings) ? findings : []) {
    const action = finding.startsWith('Action::') ? finding.slice('Action::'.length) : undefined;
    const reason =
      explained.get(finding) ??
      (action && ASSET_AND_KEY_GRANT_ACTIONS.includes(action) && onlyAssetsAndKey(policy, action, key)
        ? `aws-cdk-lib's read grant on the CDK asset bucket (code shipped as an asset) or its encryption grant on the environment's operations key: ${action} covers the variants of one operation`
        : undefined);
    if (reason) Validations.of(policy).acknowledge({ id: `${IAM5}[${finding}]`, reason });
  }
}

/** Whether every statement granting `action` names only the CDK asset bucket or `key`. */
function onlyAssetsAndKey(policy: iam.CfnPolicy, action: string, key: kms.IKey): boolean {
  const stack = Stack.of(policy);
  const keyId = Stack.of(key).getLogicalId(key.node.defaultChild as CfnElement);
  const document = stack.resolve(policy.policyDocument) as {
    Statement: Array<{ Action: string | string[]; Resource: unknown }>;
  };
  return document.Statement.filter((s) => [s.Action].flat().includes(action)).every((s) =>
    [s.Resource].flat().every((r) => {
      const text = JSON.stringify(r);
      // The key may be another stack's: then its ARN is an import named after its logical id.
      return /cdk-[a-z0-9]+-assets-/.test(text) || text.includes(keyId);
    }),
  );
}

/** What a CodeBuild project of the platform (S3 source, a named log group) is granted by pattern, and why. */
class AcknowledgeBuildFindings implements IAspect {
  constructor(
    private readonly project: codebuild.Project,
    private readonly logGroup: logs.ILogGroup,
    private readonly key: kms.IKey,
  ) {}

  public visit(node: IConstruct): void {
    if (node === this.project.node.defaultChild) {
      acknowledgeControl(
        node,
        'CodeBuildProjectSourceRepoUrl',
        'Its source is an S3 asset, not a GitHub or Bitbucket repository: there is no OAuth to use',
      );
    }
    if (!(node instanceof iam.CfnPolicy)) return;
    const stack = Stack.of(node);
    const projectRef = `<${stack.getLogicalId(this.project.node.defaultChild as CfnElement)}>`;
    const explained = new Map([
      [
        nagResource(stack, 'codebuild', `report-group/${projectRef}-*`),
        "CodeBuild's test report groups of the project (aws-cdk-lib grants them; named after the project at run time)",
      ],
      [
        nagResource(stack, 'logs', `log-group:/aws/codebuild/${projectRef}:*`),
        "CodeBuild's default log group of the project (aws-cdk-lib grants it; its builds log to their named, encrypted group)",
      ],
      [
        nagResource(stack, 'logs', `log-group:${String(stack.resolve(this.logGroup.logGroupName))}:*`),
        "The builds' log group (named, in the Training stack) and its streams, which CodeBuild names per build",
      ],
      [
        // aws-cdk-lib's statement for a project in a VPC, in pseudo parameters.
        'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*',
        "The network interface CodeBuild creates for each build in the VPC (its id is known only then); aws-cdk-lib's " +
          'statement allows only ec2:CreateNetworkInterfacePermission, only in the VPC subnets and only for codebuild.amazonaws.com',
      ],
      [
        assetObjectsFinding(stack),
        "The CDK asset bucket's objects, keyed by content hash (the project's source); aws-cdk-lib's read grant",
      ],
    ]);
    acknowledgeExplainedWildcards(node, explained, this.key);
  }
}

/** Acknowledges, in `project`'s stack, the findings its role has by pattern (see `AcknowledgeBuildFindings`). */
export function acknowledgeBuildFindings(
  project: codebuild.Project,
  logGroup: logs.ILogGroup,
  key: kms.IKey,
): void {
  Aspects.of(Stack.of(project)).add(new AcknowledgeBuildFindings(project, logGroup, key));
}
