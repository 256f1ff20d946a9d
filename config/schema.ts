import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';

/** Environments where data may be destroyed with the stack; every other one must retain it. */
export const DISPOSABLE_ENVIRONMENTS: readonly string[] = ['local', 'dev'];

/** Retention periods that CloudWatch Logs accepts (the same list bounds every log-like retention knob). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));

export const environmentSchema = z.strictObject({
  /** The AWS account id; override per environment with `-c mlenv:account:<env>=<id>`. */
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  /** The AWS region. */
  region: z.string().refine((r) => KNOWN_REGIONS.has(r), 'must be a known AWS region, for example eu-west-1'),
  /** What happens to data (buckets, keys) when a stack is deleted or a resource replaced. */
  removalPolicy: z.enum(['retain', 'destroy'], "must be 'retain' or 'destroy'"),
  /** Days after which noncurrent object versions expire in versioned buckets. */
  noncurrentVersionDays: z
    .number('must be a number of days')
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days'),
  /** Days to keep logs (S3 access logs now, CloudWatch log groups later). */
  logRetentionDays: z
    .number('must be a number of days')
    .refine(
      (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
      `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    ),
  /** Who receives alerts for this environment. */
  alertEmails: z.array(z.email('must be an e-mail address'), 'must be a list of e-mail addresses'),
  /** The cost-centre tag put on every resource. */
  costCentre: z
    .string('must be a string')
    .regex(/^[\w .:/=+@-]{1,256}$/, 'must be 1-256 characters valid in an AWS tag value'),
});

export const configSchema = z
  .strictObject({
    /** Project name, used as a tag and a name prefix. */
    project: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be lowercase letters, digits and -'),
    /** The environments, keyed by name (lowercase, becomes the stage id capitalized). */
    environments: z.record(
      z.string().regex(/^[a-z][a-z0-9]{0,15}$/, 'must be lowercase letters and digits'),
      environmentSchema,
    ),
  })
  .superRefine((config, ctx) => {
    if (!('prod' in config.environments)) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', 'prod'],
        message: 'is required: prod is the reference the other environments are checked against',
      });
    }
    for (const [name, env] of Object.entries(config.environments)) {
      if (!DISPOSABLE_ENVIRONMENTS.includes(name) && env.removalPolicy !== 'retain') {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'removalPolicy'],
          message: `must be 'retain' outside ${DISPOSABLE_ENVIRONMENTS.join(' and ')}`,
        });
      }
    }
  });

/** The settings of one environment, as validated. */
export type EnvironmentSettings = z.infer<typeof environmentSchema>;
/** The knobs of an environment: everything but where it lives. */
export type Knob = Exclude<keyof EnvironmentSettings, 'account' | 'region'>;
/** The whole configuration, as written in `config/environments.ts`. */
export type MlEnvConfigInput = z.input<typeof configSchema>;
/** The whole configuration, as validated. */
export type MlEnvConfigData = z.infer<typeof configSchema>;
