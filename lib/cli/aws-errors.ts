/**
 * One line a user can act on for an error of an AWS call: missing credentials say how to
 * configure them; access denied keeps AWS's message (it names the action and the resource).
 */
export function describeAwsError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const message = e?.message ?? String(error);
  if (e?.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return `no AWS credentials: pass --profile <name>, set AWS_PROFILE, or configure them with \`aws configure\` (or \`aws configure sso\`)`;
  }
  if (e?.name === 'ExpiredTokenException' || e?.name === 'ExpiredToken') {
    return `the AWS credentials have expired: sign in again (for example \`aws sso login --profile <name>\`)`;
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${e?.name} ${message}`)) {
    return `access denied: ${message}`;
  }
  return message;
}
