import { type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { acknowledgeControl, acknowledgeInlinePolicy } from './acknowledge';

const IAM5 = 'AwsSolutions::AwsSolutions-IAM5';

/** Wildcard actions of aws-cdk-lib's grants on a bucket and a key (the variants of one operation each). */
const GRANT_ACTIONS = [
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  's3:Abort*',
  's3:DeleteObject*',
  's3:GetBucket*',
  's3:GetObject*',
  's3:List*',
];

/** What CDK Pipelines grants with wildcards, and why it is acceptable, by finding. */
const EXPLAINED: ReadonlyArray<[RegExp, string]> = [
  [
    /^Resource::arn:aws:codebuild:[a-z0-9-]+:\d{12}:report-group\/(<[A-Za-z0-9]+>-)?\*$/,
    "CodeBuild's test report groups of the pipeline's own projects (named after the project at run time)",
  ],
  [
    /^Resource::arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/codebuild\/(<[A-Za-z0-9]+>:)?\*$/,
    "CodeBuild's default log groups of the pipeline's own projects (the builds log to the encrypted BuildLogs group)",
  ],
  [
    /^Resource::arn:\*:iam::\d{12}:role\/\*$/,
    "CDK Pipelines' self-mutation assumes only roles tagged aws-cdk:bootstrap-role (deploy, file and image publishing) by the CDK bootstrap",
  ],
  [
    /^Resource::\*$/,
    'aws-cdk-lib grants these to its self-mutation role without resource scope (cloudformation:DescribeStacks and s3:ListBucket to find the bootstrap stacks of any target environment); the asset role’s build control on `*` is narrowed to its own projects (lib/platform/delivery/scope-build-control.ts)',
  ],
];

/**
 * Acknowledges the cdk-nag findings on the delivery pipeline that come from aws-cdk-lib's CDK
 * Pipelines and are accepted, each with its reason; every other finding still fails synth.
 */
export class AcknowledgeDeliveryFindings implements IAspect {
  constructor(private readonly artifacts: { readonly bucket: s3.IBucket; readonly key: IConstruct }) {}

  public visit(node: IConstruct): void {
    if (node instanceof iam.CfnPolicy) this.acknowledgePolicy(node);
    if (node instanceof codebuild.CfnProject) {
      acknowledgeControl(
        node,
        'CodeBuildProjectSourceRepoUrl',
        'Its source is the pipeline (CODEPIPELINE), fetched through a CodeConnections connection: no repository URL or credentials in the project',
      );
    }
  }

  private acknowledgePolicy(policy: iam.CfnPolicy): void {
    const stack = Stack.of(policy);
    const bucketArn = JSON.stringify(stack.resolve(this.artifacts.bucket.bucketArn));
    const bucketObjects = `Resource::<${stack.getLogicalId(this.artifacts.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`;
    const findings = rules.iam.IAMNoWildcardPermissions(policy);
    for (const finding of Array.isArray(findings) ? findings : []) {
      const action = finding.startsWith('Action::') ? finding.slice('Action::'.length) : undefined;
      let reason: string | undefined;
      if (
        action &&
        GRANT_ACTIONS.includes(action) &&
        onlyOnArtifacts(policy, action, bucketArn, this.artifacts.key)
      ) {
        reason = `aws-cdk-lib's grant on the pipeline's artifact bucket and key only: ${action} covers the variants of one operation`;
      } else if (finding === bucketObjects) {
        reason = "Objects of the pipeline's own artifact bucket (keys made per execution)";
      } else {
        reason = EXPLAINED.find(([pattern]) => pattern.test(finding))?.[1];
      }
      if (reason) Validations.of(policy).acknowledge({ id: `${IAM5}[${finding}]`, reason });
    }
    acknowledgeInlinePolicy(policy);
  }
}

/** Whether every statement granting `action` names only the artifact bucket (and its objects) or key. */
function onlyOnArtifacts(policy: iam.CfnPolicy, action: string, bucketArn: string, key: IConstruct): boolean {
  const stack = Stack.of(policy);
  const keyId = stack.getLogicalId(key.node.defaultChild as import('aws-cdk-lib').CfnElement);
  const document = stack.resolve(policy.policyDocument) as {
    Statement: Array<{ Action: string | string[]; Resource: unknown }>;
  };
  return document.Statement.filter((s) => [s.Action].flat().includes(action)).every((s) =>
    [s.Resource].flat().every((r) => {
      const text = JSON.stringify(r);
      return text.includes(bucketArn.slice(1, -1)) || text.includes(`"${keyId}"`);
    }),
  );
}

/**
 * The accepted findings on an environment's delivery roles: their grants are inline policies, and
 * the smoke test invokes endpoints whose names CloudFormation generates, bound to the environment
 * by its tags instead.
 */
export function acknowledgeDeliveryAccessFindings(roles: readonly iam.Role[]): void {
  for (const role of roles) {
    const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
    if (!policy) continue;
    const stack = Stack.of(role);
    const endpoints = `arn:${stack.resolve(stack.partition)}:sagemaker:${stack.region}:${stack.account}:endpoint/*`;
    Validations.of(policy).acknowledge({
      id: `${IAM5}[Resource::${endpoints}]`,
      reason:
        "Endpoint names are generated by CloudFormation; the statement's aws:ResourceTag conditions (mlenv:project, mlenv:environment) admit only this environment's endpoints",
    });
    // The asynchronous smoke test: any model's async prefixes of the environment's monitoring bucket
    // (the smoke test calls every served model), and the data key only as S3 uses it for that bucket.
    const monitoring = stack.resolve(
      (policy.policyDocument as iam.PolicyDocument)
        .toJSON()
        .Statement.find((st: { Sid?: string }) => st.Sid === 'ListAsyncAnswers')?.Resource,
    ) as string | undefined;
    if (monitoring) {
      for (const [resource, reason] of [
        [
          `${monitoring}/*/async/input/smoke-*`,
          "the smoke test's own requests (smoke-<uuid>.csv) under any model's asynchronous input prefix",
        ],
        [
          `${monitoring}/*/async/output/*`,
          "the answers SageMaker names (<id>.out) under any model's asynchronous output prefix",
        ],
        [
          `${monitoring}/*/async/failures/*`,
          "the failures SageMaker names (<id>-error.out) under any model's asynchronous failure prefix",
        ],
        [
          `arn:${stack.resolve(stack.partition)}:kms:${stack.region}:${stack.account}:key/*`,
          "The data key's id is generated by CloudFormation; kms:ViaService S3 and the encryption context of the monitoring bucket admit only its use for that bucket's objects",
        ],
      ]) {
        Validations.of(policy).acknowledge({ id: `${IAM5}[Resource::${resource}]`, reason });
      }
    }
    acknowledgeInlinePolicy(policy);
  }
}
