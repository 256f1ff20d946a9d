import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';

/**
 * A service principal that may act only for resources of `scope`'s own account (and, when given,
 * only for resources matching `sourceArns`): the confused-deputy guard AWS recommends for trust
 * and resource policies. Use it as a role's `assumedBy`.
 */
export function servicePrincipalFor(
  scope: IConstruct,
  service: string,
  sourceArns?: readonly string[],
): iam.ServicePrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal(service, {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ...(sourceArns
        ? { ArnLike: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : [...sourceArns] } }
        : {}),
    },
  });
}

/** A role EventBridge rules of `scope`'s account (and region) may assume to reach their targets. */
export function eventRuleRole(scope: Construct, id: string): iam.Role {
  const stack = Stack.of(scope);
  return new iam.Role(scope, id, {
    assumedBy: servicePrincipalFor(scope, 'events.amazonaws.com', [
      stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }),
    ]),
  });
}
