/** Where the repository's OIDC subject customization (the body of GitHub's API call) is kept. */
export const OIDC_SUBJECT_CLAIMS_FILE = '.github/oidc-subject-claims.json';

/**
 * The claims GitHub puts in the OIDC subject of every job of the repository, in this order, once
 * the customization is applied: the repository, the job's context (`environment:<name>` for a job
 * in a GitHub environment), the git ref the run is for, and the workflow file the job belongs to
 * at that ref. Together they name one workflow file, on one branch, in one environment.
 */
export const OIDC_SUBJECT_CLAIM_KEYS = ['repo', 'context', 'ref', 'job_workflow_ref'] as const;

/**
 * The body of `PUT /repos/{owner}/{repo}/actions/oidc/customization/sub`: this repository's
 * template rather than the organization's or GitHub's default.
 */
export function oidcSubjectCustomization(): { use_default: false; include_claim_keys: string[] } {
  return { use_default: false, include_claim_keys: [...OIDC_SUBJECT_CLAIM_KEYS] };
}

/** What presents a subject: a job of `workflowPath` in `environment`, run for `branch` of `repository`. */
export interface OidcSubjectParts {
  /** `owner/name`. */
  readonly repository: string;
  readonly branch: string;
  /** The GitHub environment the job declares. */
  readonly environment: string;
  /** The workflow file, from the repository root (`.github/workflows/deploy.yml`). */
  readonly workflowPath: string;
}

/**
 * The `sub` claim of such a job under the customization: each claim as `key:value`, in the
 * template's order, `:` within a value written `%3A` (GitHub's documented format), e.g.
 * `repo:acme/ml:environment:prod:ref:refs/heads/main:job_workflow_ref:acme/ml/.github/workflows/deploy.yml@refs/heads/main`.
 */
export function oidcSubject({ repository, branch, environment, workflowPath }: OidcSubjectParts): string {
  const ref = `refs/heads/${branch}`;
  const claims: Record<(typeof OIDC_SUBJECT_CLAIM_KEYS)[number], string> = {
    repo: `repo:${escape(repository)}`,
    context: `environment:${escape(environment)}`,
    ref: `ref:${escape(ref)}`,
    job_workflow_ref: `job_workflow_ref:${escape(`${repository}/${workflowPath}@${ref}`)}`,
  };
  return OIDC_SUBJECT_CLAIM_KEYS.map((key) => claims[key]).join(':');
}

const escape = (value: string) => value.replace(/:/g, '%3A');
