import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { deployTargets } from '../../lib/platform/delivery/deploy-targets';
import { customizedSubject, defaultSubject, type GitHubJob } from '../support/github-oidc-subjects';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const authz = AuthorizationModel.fromAssembly(assembly);
const delivery = config.delivery!;
const targets = deployTargets(config);
const { repository, branch } = delivery.source;
const DEPLOY_WORKFLOW = '.github/workflows/deploy.yml';

/** The body the README has an administrator send to GitHub once: the repository's subject template. */
const customization = JSON.parse(
  readFileSync(join(REPO_ROOT, '.github', 'oidc-subject-claims.json'), 'utf8'),
) as { use_default: boolean; include_claim_keys: string[] };

test('the repository subject template names the repository, the environment, the ref and the workflow file', () => {
  expect(customization.use_default).toBe(false);
  expect(customization.include_claim_keys).toEqual(
    expect.arrayContaining(['repo', 'ref', 'job_workflow_ref']),
  );
  expect(customization.include_claim_keys.some((k) => k === 'context' || k === 'environment')).toBe(true);
});

describe.each(targets.map((t) => [t.environment, t] as const))(
  'the GitHub deploy role of %s',
  (_name, target) => {
    const role = `arn:aws:iam::${target.account}:role/${target.githubDeployRoleName}`;
    // The account's provider for GitHub's issuer, as IAM names it.
    const provider = `arn:aws:iam::${target.account}:oidc-provider/token.actions.githubusercontent.com`;
    const deployJob: GitHubJob = {
      repository,
      ref: `refs/heads/${branch}`,
      environment: target.environment,
      workflowPath: DEPLOY_WORKFLOW,
    };
    const assume = (subject: string, audience = 'sts.amazonaws.com') =>
      authz.check({
        principal: provider,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: role,
        context: {
          'token.actions.githubusercontent.com:sub': subject,
          'token.actions.githubusercontent.com:aud': audience,
        },
      });
    const subject = (job: GitHubJob) => customizedSubject(job, customization.include_claim_keys);

    test(`is assumed by deploy.yml's job on ${branch} in its environment`, async () => {
      const decision = await assume(subject(deployJob));
      expect([decision.allowed, decision.ignoredContextKeys]).toEqual([true, []]);
    });

    const refused: Array<[string, () => string]> = [
      ['a pull request declaring the environment', () => subject({ ...deployJob, ref: 'refs/pull/7/merge' })],
      [
        'a pull request without an environment',
        () => subject({ ...deployJob, ref: 'refs/pull/7/merge', environment: undefined, pullRequest: true }),
      ],
      ['deploy.yml on another branch', () => subject({ ...deployJob, ref: `refs/heads/${branch}-other` })],
      [
        `another workflow file on ${branch} declaring the environment`,
        () => subject({ ...deployJob, workflowPath: '.github/workflows/other.yml' }),
      ],
      ['a tag', () => subject({ ...deployJob, ref: 'refs/tags/v1.0.0' })],
      [
        "another environment's deploy job",
        () => subject({ ...deployJob, environment: `${target.environment}-other` }),
      ],
      [
        'the same job under another repository',
        () => subject({ ...deployJob, repository: `${repository}-fork` }),
      ],
      ['the default-format subject of the environment', () => defaultSubject(deployJob)],
      [
        'the default-format subject of the branch',
        () => defaultSubject({ ...deployJob, environment: undefined }),
      ],
    ];

    test.each(refused)('is refused to %s', async (_what, subjectOf) => {
      const decision = await assume(subjectOf());
      expect([decision.allowed, decision.result]).toEqual([false, 'ImplicitlyDenied']);
    });

    test('is refused to a token for another audience', async () => {
      const decision = await assume(subject(deployJob), 'https://github.com/someone');
      expect([decision.allowed, decision.result]).toEqual([false, 'ImplicitlyDenied']);
    });
  },
);
