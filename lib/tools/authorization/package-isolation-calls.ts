import { PYPI_UPSTREAM_REPOSITORY } from '../../../constructs';
import { parseArn } from '../calls/arns';
import type { PolicyInventory } from '../calls/policy-inventory';
import type { RunTimeCall } from '../calls/run-time-call';

/** The account the calls below stand another account's role in: none of the assembly's. */
const FOREIGN_ACCOUNT = '999999999999';

/**
 * Requests that must be denied because a package repository admits only its environment's build
 * roles, and a build role may read nothing of CodeArtifact but its own repository. From each
 * allowed package read of the run-time calls (`codeartifact:ReadFromRepository` and the domain's
 * `GetAuthorizationToken`), made instead:
 * - by each role of another environment that CodeBuild may assume (another environment's build
 *   role: another account, or the same one), and by a role of the same path in another account;
 * - by each other role of the same environment (its jobs', pipelines', endpoints');
 * - by the build role itself on another domain of its account, and on the repository that holds
 *   PyPI's packages (the upstream, which the builds never read directly).
 */
export function packageIsolationCalls(
  inventory: PolicyInventory,
  allowed: readonly RunTimeCall[],
): RunTimeCall[] {
  // Each read once (a build started by several states makes the same calls from each).
  const reads = [
    ...new Map(
      allowed
        .filter((c) =>
          ['codeartifact:ReadFromRepository', 'codeartifact:GetAuthorizationToken'].includes(c.action),
        )
        .map((c) => [`${c.principal} ${c.action} ${c.resource}`, c]),
    ).values(),
  ];
  const roles = [...inventory.roles.values()];
  const buildRoles = new Set(
    roles
      .filter((r) => JSON.stringify(r.trustPolicy.document).includes('codebuild.amazonaws.com'))
      .map((r) => r.arn),
  );
  return reads.flatMap((call) => {
    const arn = parseArn(call.resource);
    if (!arn) return [];
    const [, domain] = arn.resource.split('/');
    const as = (principal: string, why: string): RunTimeCall => ({
      ...call,
      principal,
      origin: `${principal} ${why}`,
    });
    const foreign = call.principal.replace(/^(arn:[^:]+:iam::)\d{12}(:)/, `$1${FOREIGN_ACCOUNT}$2`);
    const others = roles.filter((r) => r.arn !== call.principal);
    return [
      ...others
        .filter((r) => r.stage.id !== call.stage && buildRoles.has(r.arn))
        .map((r) => as(r.arn, `(a build role of ${r.stage.id}) reading the packages of ${call.stage}`)),
      as(foreign, `(the same path in another account) reading the packages of ${call.stage}`),
      ...others
        .filter((r) => r.stage.id === call.stage && !buildRoles.has(r.arn))
        .map((r) => as(r.arn, `(not a build role) reading the packages of ${call.stage}`)),
      {
        ...call,
        resource: call.resource.replace(`/${domain}`, `/${domain}-other`),
        origin: `${call.origin} on another domain of its account`,
      },
      ...(call.action === 'codeartifact:ReadFromRepository'
        ? [
            {
              ...call,
              resource: call.resource.replace(/[^/]+$/, PYPI_UPSTREAM_REPOSITORY),
              origin: `${call.origin} on the upstream repository`,
            },
          ]
        : []),
    ];
  });
}
