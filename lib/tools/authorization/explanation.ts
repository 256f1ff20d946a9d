import { getDenialReasons, getGrantReasons, type RequestAnalysis } from '@cloud-copilot/iam-simulate';
import { isServicePrincipal } from '../calls/arns';
import type { NamedPolicy } from '../calls/named-policy';
import type { AuthorizationRequest } from '../calls/run-time-call';

/** What decides a request besides the identity: the resource's policy and owning account. */
export interface ResourceSide {
  readonly account?: string;
  readonly policy?: NamedPolicy;
  readonly problem?: string;
}

/** Who makes a request: the policies that speak for the principal. */
export interface PrincipalSide {
  readonly account?: string;
  readonly identityPolicies: readonly NamedPolicy[];
  readonly permissionBoundary?: NamedPolicy;
  readonly notes: readonly string[];
}

/** The statements that allowed an allowed request, by policy name and Sid (or `#<index>`). */
export function grantsOf(
  analysis: RequestAnalysis,
  principal: PrincipalSide,
  resource: ResourceSide,
): Array<{ policy: string; statement: string }> {
  return getGrantReasons(analysis).map((grant) => ({
    policy:
      grant.policyType === 'resource'
        ? (resource.policy?.name ?? 'resource policy')
        : grant.policyType === 'pb'
          ? (principal.permissionBoundary?.name ?? 'permission boundary')
          : grant.policyIdentifier,
    statement: grant.statementId ?? `#${grant.statementIndex}`,
  }));
}

/** Which statements decided the request, or which side had none for it. */
export function explain(
  analysis: RequestAnalysis | undefined,
  principal: PrincipalSide,
  resource: ResourceSide,
  request: AuthorizationRequest,
): string {
  if (!analysis) return 'no policy statement matches the request';
  const policyName = (type: string, identifier?: string): string => {
    if (type === 'resource') return resource.policy?.name ?? 'the resource policy';
    if (type === 'pb') return `${principal.permissionBoundary?.name ?? 'the permission boundary'} (boundary)`;
    return identifier ?? type;
  };
  const statement = (id: string | undefined, index: number) =>
    id ? `statement ${id}` : `statement #${index}`;
  if (analysis.result === 'Allowed') {
    const grants = grantsOf(analysis, principal, resource);
    return `allowed by ${grants.map((g) => `${g.policy} statement ${g.statement}`).join(' and ')}`;
  }
  const reasons = getDenialReasons(analysis)
    .map((d) => {
      if (d.denialType === 'Explicit') {
        return `denied by ${policyName(d.policyType, d.policyIdentifier)} ${statement(d.statementId, d.statementIndex)}`;
      }
      if (d.policyType === 'identity') {
        if (isServicePrincipal(request.principal)) return undefined; // services have no identity policies
        const names = principal.identityPolicies.map((p) => p.name);
        return names.length
          ? `no statement of ${names.join(', ')} allows ${request.action} on ${request.resource}`
          : `${request.principal} has no identity policy that could allow it`;
      }
      if (d.policyType === 'resource') {
        return resource.policy
          ? `${resource.policy.name} has no statement that allows ${request.principal}`
          : `the resource has no policy, and it is in another account or requires one`;
      }
      return `not allowed by ${policyName(d.policyType, d.identifier)}`;
    })
    .filter((reason) => reason !== undefined);
  return reasons.length > 0 ? reasons.join('; ') : `${analysis.result} (no policy statement matches)`;
}
