import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { LOG_RETENTION_DAYS } from './log-retention';

const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));

/** A CodeConnections (or older CodeStar Connections) connection ARN; its account and region are captured. */
export const CONNECTION_ARN =
  /^arn:aws[a-z-]*:(?:codeconnections|codestar-connections):([a-z0-9-]+):(\d{12}):connection\/[0-9a-f-]{36}$/;

/** A branch name git and GitHub accept, without characters IAM conditions or buildspecs would mangle. */
const BRANCH = /^(?!\/|.*\/$|.*\.\.|.*\/\/)[A-Za-z0-9._/-]{1,200}$/;

const environmentNames = z.array(
  z.string('must be an environment name'),
  'must be a list of environment names',
);

/**
 * How a commit reaches the environments: the CDK Pipelines `Delivery` stack (in the tooling
 * account) or the GitHub Actions workflows, both in `order`, both stopping for a person before each
 * environment of `manualApproval`.
 */
export const deliverySchema = z.strictObject({
  /** The tooling account the pipeline runs in; override with `-c mlenv:delivery:account=<id>`. */
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  /** The tooling account's region. */
  region: z.string().refine((r) => KNOWN_REGIONS.has(r), 'must be a known AWS region, for example eu-west-1'),
  /** Where the commits come from. */
  source: z.strictObject({
    /**
     * A CodeConnections connection in the tooling account and region (created once in the console,
     * where a person authorizes it); override with `-c mlenv:delivery:connectionArn=<arn>`.
     */
    connectionArn: z
      .string()
      .regex(
        CONNECTION_ARN,
        'must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)',
      ),
    /** The repository, `owner/name` as GitHub (or the connection's provider) spells it. */
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name, e.g. acme/ml-platform'),
    /** The branch whose commits are delivered; the only one the deploy roles trust. */
    branch: z.string().regex(BRANCH, 'must be a branch name such as main'),
  }),
  /** The environments a commit goes through, in order. @default the promotion order */
  order: environmentNames.optional(),
  /** The environments a person approves before the pipeline deploys them; prod always. @default ['prod'] */
  manualApproval: environmentNames.default(['prod']),
  /**
   * Whether the DeliveryAccess stacks create the account's GitHub Actions OIDC provider, or use the
   * one it already has (an account holds one provider per URL). @default 'create'
   */
  githubOidcProvider: z.enum(['create', 'existing'], "must be 'create' or 'existing'").default('create'),
  /** Days to keep the pipeline's build logs. @default 365 */
  logRetentionDays: z
    .number('must be a number of days')
    .refine(
      (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
      `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    )
    .default(365),
  /** Who is told of failed runs and of approvals waiting. */
  notificationEmails: z.array(z.email('must be an e-mail address'), 'must be a list of e-mail addresses'),
});

/** The delivery section, as validated, with its order resolved. */
export interface DeliveryConfig extends Omit<z.infer<typeof deliverySchema>, 'order'> {
  /** The environments a commit goes through, in order (never an emulated one). */
  readonly order: readonly string[];
}
