import { type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** A kind of wildcard resource this platform's policies need, and why. */
interface WildcardAllowance {
  readonly finding: RegExp;
  readonly reason: string;
}

/**
 * The wildcard resources (AwsSolutions-IAM5 findings) that the platform's roles may have. A
 * finding that matches none stays unacknowledged and fails the compliance tests.
 */
const ALLOWED_WILDCARDS: readonly WildcardAllowance[] = [
  {
    finding: /^Resource::.+\/[a-z][a-z0-9-]*\/runs\/\*\/evaluation\/evaluation\.json$/,
    reason:
      "The evaluation report of one model's runs; the run id is a hash of the execution name, known only at run time",
  },
  {
    finding: /^Resource::.+\/[a-z][a-z0-9-]*\/\*$/,
    reason:
      "One model's prefix of a data bucket; the keys under it (run ids, splits, artifacts) are created at run time",
  },
  {
    finding:
      /^Resource::arn:[^:]+:logs:[^:]+:[^:]+:log-group:\/aws\/sagemaker\/(TrainingJobs|ProcessingJobs):log-stream:\*$/,
    reason:
      'SageMaker names each job log stream at run time, inside the log group SageMaker writes job logs to',
  },
  {
    finding:
      /^Resource::arn:[^:]+:sagemaker:[^:]+:[^:]+:(processing-job|training-job)\/[a-z][a-z0-9-]*-(preprocess|train|evaluate)-\*$/,
    reason:
      "One model's jobs of one step; job names end with a hash of the execution name, known only at run time",
  },
  {
    finding: /^Resource::arn:[^:]+:sagemaker:[^:]+:[^:]+:model-package\/[a-z][a-z0-9-]*\/\*$/,
    reason: 'The versions of one model package group; SageMaker numbers them at registration',
  },
];

/**
 * Actions that have no resource-level permissions, so only `Resource: *` can grant them. The
 * `logs:` ones are what Step Functions needs to deliver execution logs (its documented policy).
 */
const NO_RESOURCE_LEVEL = new Set([
  'cloudwatch:PutMetricData',
  'ecr:GetAuthorizationToken',
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
]);

const IAM5 = 'AwsSolutions::AwsSolutions-IAM5';
const NIST_INLINE = 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy';

/**
 * Acknowledges, on each IAM policy, the wildcard findings that an allowance above explains, with
 * its reason. Runs as an aspect so it sees each policy's final statements.
 */
export class AcknowledgeIamWildcards implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const findings = rules.iam.IAMNoWildcardPermissions(node);
    for (const finding of Array.isArray(findings) ? findings : []) {
      const reason =
        finding === 'Resource::*'
          ? noResourceLevelReason(node)
          : ALLOWED_WILDCARDS.find((a) => a.finding.test(finding))?.reason;
      if (reason) Validations.of(node).acknowledge({ id: `${IAM5}[${finding}]`, reason });
    }
    Validations.of(node).acknowledge({
      id: NIST_INLINE,
      reason:
        "CDK writes a role's least-privilege grants into an AWS::IAM::Policy attached to that one role; " +
        'a customer-managed policy would hold the same statements',
    });
  }
}

/** The reason for `Resource: *`, if every statement that has it only grants actions without resource-level permissions. */
function noResourceLevelReason(policy: iam.CfnPolicy): string | undefined {
  const document = Stack.of(policy).resolve(policy.policyDocument) as {
    Statement?: Array<{ Effect: string; Action: string | string[]; Resource: unknown }>;
  };
  const actions = (document.Statement ?? [])
    .filter((s) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
    .flatMap((s) => [s.Action].flat());
  if (actions.length === 0 || !actions.every((a) => NO_RESOURCE_LEVEL.has(a))) return undefined;
  return `These actions have no resource-level permissions: ${[...new Set(actions)].sort().join(', ')}`;
}
