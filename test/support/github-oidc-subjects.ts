/**
 * GitHub's OIDC `sub` claim as GitHub documents it (docs.github.com, "OpenID Connect reference":
 * "Example subject claims" and "Customizing the subject claims for an organization or repository"),
 * written here from the documentation, not from the code under test.
 *
 * Default format: `repo:ORG/REPO:environment:ENV` for a job in an environment, else
 * `repo:ORG/REPO:pull_request` for a pull request, else `repo:ORG/REPO:ref:REF`.
 * Customized (`include_claim_keys`): each listed claim in order, `key:value` joined by `:`, where
 * `context` is the part the default format puts after the repository (`environment:prod`), e.g.
 * `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main`.
 * Any `:` within a value is written `%3A`.
 */

/** What GitHub knows of a job when it issues the token. */
export interface GitHubJob {
  /** `owner/name`. */
  readonly repository: string;
  /** The ref of the run: `refs/heads/main`, `refs/pull/7/merge`. */
  readonly ref: string;
  /** Whether the run was triggered by a pull request. */
  readonly pullRequest?: boolean;
  /** The GitHub environment the job declares, if any. */
  readonly environment?: string;
  /** The workflow file the job is in, from the repository root. */
  readonly workflowPath: string;
}

const escape = (value: string) => value.replace(/:/g, '%3A');

/** The `context` claim: the part of the default subject after the repository. */
function context(job: GitHubJob): string {
  if (job.environment !== undefined) return `environment:${escape(job.environment)}`;
  if (job.pullRequest) return 'pull_request';
  return `ref:${escape(job.ref)}`;
}

/** The subject in GitHub's default format. */
export function defaultSubject(job: GitHubJob): string {
  return `repo:${escape(job.repository)}:${context(job)}`;
}

/** The subject under a repository customization listing `claimKeys` (`repo`, `context`, `ref`, `job_workflow_ref`). */
export function customizedSubject(job: GitHubJob, claimKeys: readonly string[]): string {
  const claims: Record<string, string> = {
    repo: `repo:${escape(job.repository)}`,
    context: context(job),
    ref: `ref:${escape(job.ref)}`,
    job_workflow_ref: `job_workflow_ref:${escape(`${job.repository}/${job.workflowPath}@${job.ref}`)}`,
  };
  return claimKeys
    .map((key) => {
      if (key === 'environment' && job.environment !== undefined)
        return `environment:${escape(job.environment)}`;
      if (!(key in claims)) throw new Error(`no documented rendering of claim ${key} here`);
      return claims[key];
    })
    .join(':');
}
