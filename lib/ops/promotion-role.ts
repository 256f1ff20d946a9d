import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { type EnvironmentConfig, promotionRoleName } from '../../config';

/** Temporary credentials of an assumed role, as SDK clients take them. */
export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration?: Date;
}

/** The ARN of the role a promotion into `environment` assumes (named by the configuration). */
export function promotionRoleArn(project: string, environment: EnvironmentConfig): string {
  const partition = RegionInfo.get(environment.region).partition ?? 'aws';
  return `arn:${partition}:iam::${environment.account}:role/${promotionRoleName({ project, environment })}`;
}

/**
 * Who the caller is, and the promotion role's credentials for them. The session is named after
 * the caller, so the target account's CloudTrail says who promoted.
 */
export async function assumePromotionRole(
  sts: Pick<STSClient, 'send'>,
  roleArn: string,
): Promise<{ caller: string; credentials: RoleCredentials }> {
  const caller = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? 'unknown caller';
  const who = caller
    .split(/[:/]/)
    .at(-1)!
    .replace(/[^\w+=,.@-]/g, '-');
  const assumed = await sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: `mlenv-promote-${who}`.slice(0, 64),
      DurationSeconds: 3600,
    }),
  );
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new Error(`assuming ${roleArn} returned no credentials`);
  }
  return {
    caller,
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    },
  };
}
