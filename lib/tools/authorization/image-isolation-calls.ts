import { publishedImageRepositories } from '../../../constructs';
import { parseArn } from '../calls/arns';
import type { RunTimeCall } from '../calls/run-time-call';

/** The ECR actions of an image pull that name the repository (GetAuthorizationToken names none). */
const PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/**
 * Pulls a role makes of no image it runs: for each role that pulls images at run time, the same
 * pull of every other repository AWS publishes in its region (the other frameworks' training and
 * inference repositories, Model Monitor's where the role does not run it). Their repository
 * policies let every account pull, so only the role's own policy can stop it: each must be denied.
 */
export function otherImageCalls(allowed: readonly RunTimeCall[]): RunTimeCall[] {
  const pulls = allowed.filter((call) => call.action === 'ecr:BatchGetImage');
  const byRole = new Map<string, RunTimeCall[]>();
  for (const pull of pulls) byRole.set(pull.principal, [...(byRole.get(pull.principal) ?? []), pull]);
  return [...byRole.values()].flatMap((ofRole) => {
    const pulled = new Set(ofRole.map((call) => call.resource));
    const [first] = ofRole;
    const arn = parseArn(first.resource);
    if (!arn) return [];
    return publishedImageRepositories(arn.region)
      .map((r) => `arn:${arn.partition}:ecr:${r.region}:${r.account}:repository/${r.repository}`)
      .filter((repository) => !pulled.has(repository))
      .flatMap((repository) =>
        PULL_ACTIONS.map((action) => ({
          ...first,
          action,
          resource: repository,
          origin: `${first.origin} pulling an image it does not run`,
        })),
      );
  });
}
