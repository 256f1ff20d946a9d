import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The compliance packs whose rules share names (NIST 800-53 R5 and HIPAA Security). */
const CONTROL_PACKS = ['NIST.800.53.R5', 'HIPAA.Security'];

/**
 * Acknowledges a rule of the NIST 800-53 R5 and HIPAA Security packs (the same rule in both) on
 * one CloudFormation resource, with its reason. `construct` may be an L2: its resource is used.
 */
export function acknowledgeControl(construct: IConstruct, rule: string, reason: string): void {
  const resource = construct.node.defaultChild ?? construct;
  for (const pack of CONTROL_PACKS) {
    Validations.of(resource).acknowledge({ id: `${pack}::${pack}-${rule}`, reason });
  }
}

/** Acknowledges the inline-policy rule on one of CDK's per-role grant policies. */
export function acknowledgeInlinePolicy(policy: IConstruct): void {
  acknowledgeControl(
    policy,
    'IAMNoInlinePolicy',
    "CDK writes a role's least-privilege grants into an AWS::IAM::Policy attached to that one role; " +
      'a customer-managed policy would hold the same statements',
  );
}
