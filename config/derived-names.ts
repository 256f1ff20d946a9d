import { BATCH_JOB_STEP, ModelLayout } from '../constructs/common/model-layout';
import { dataStoreBucketName } from '../constructs/storage/ml-data-store';
import { ROLLBACK_ALARM_SUFFIXES } from '../constructs/serving/model-endpoint';
import { pipelineSteps } from '../constructs/training/pipeline-steps';
import { TUNING_JOB_NAME_MAX, tuningIdLength } from '../constructs/training/tuning';

/** What a derived name is made of: the project, one environment, and (for some) one model. */
export interface NameParts {
  readonly project: string;
  readonly environment: { readonly name: string; readonly account: string; readonly region: string };
}

/** The data store's bucket name prefix: `<project>-<env>-<account>-<region>` (globally unique). */
export function bucketNamePrefix({ project, environment: e }: NameParts): string {
  return `${project}-${e.name}-${e.account}-${e.region}`;
}

/** The buckets the data store creates, by the suffix of their names. */
export const BUCKET_KINDS = ['raw', 'curated', 'models', 'monitoring', 'access-logs'] as const;

/** The registry's group name prefix: groups are `<project>-<env>-<model>`. */
export function groupNamePrefix({ project, environment }: NameParts): string {
  return `${project}-${environment.name}`;
}

/**
 * The role a promotion into the environment assumes (`<project>-<env>-promotion`): named, so that
 * the CLI can assume it from the configuration before it can read anything in that account.
 */
export function promotionRoleName(parts: NameParts): string {
  return `${groupNamePrefix(parts)}-promotion`;
}

/**
 * The role GitHub Actions assumes (OIDC) to deploy the environment (`<project>-<env>-github-deploy`):
 * named, so that the workflow can name it before anything is read from the account.
 */
export function githubDeployRoleName(parts: NameParts): string {
  return `${groupNamePrefix(parts)}-github-deploy`;
}

/**
 * The role the delivery pipeline's checks assume in the environment after deploying it
 * (`<project>-<env>-delivery-check`): read the environment directory, smoke-test the endpoints.
 */
export function deliveryCheckRoleName(parts: NameParts): string {
  return `${groupNamePrefix(parts)}-delivery-check`;
}

/**
 * The CodeArtifact domain builds of a VPC environment install Python packages from
 * (`<project>-<env>`): unique in the account and region, part of the repository's hostname.
 */
export function packageDomainName(parts: NameParts): string {
  return groupNamePrefix(parts);
}

/**
 * The IAM path of the environment's CodeBuild build roles (`/<project>/<env>/builds/`): the
 * package repository and its VPC endpoints admit the roles under it, and no other principal.
 */
export function buildRolePath({ project, environment }: NameParts): string {
  return `/${project}/${environment.name}/builds/`;
}

/** Names given to one model's resources in one environment. */
export function modelResourceName(parts: NameParts, model: string, suffix?: string): string {
  return [groupNamePrefix(parts), model, ...(suffix ? [suffix] : [])].join('-');
}

/**
 * The log groups of a model's data pipeline, named so that its stack finds them without a
 * CloudFormation export (a stack has at most 200 outputs): its executions' (under the prefix
 * Step Functions documents for vended logs, which needs no log resource policy) and its dbt builds'.
 */
export function dataPipelineLogGroupNames(
  parts: NameParts,
  model: string,
): { execution: string; builds: string } {
  const name = modelResourceName(parts, model);
  return {
    execution: `/aws/vendedlogs/states/${name}-data-pipeline`,
    builds: `/aws/codebuild/${name}-dbt-builds`,
  };
}

/**
 * The prefix of a model's ETL job's log groups, `<prefix>/output` and `<prefix>/error` (Glue 5's
 * `--custom-logGroup-prefix`): the job's own name, so that each environment's groups are its own
 * and can be declared before the job first runs.
 */
export function etlLogGroupPrefix(parts: NameParts, model: string): string {
  return `/aws-glue/jobs/${modelResourceName(parts, model, 'etl')}`;
}

/** The environment's MLflow tracking server (`<project>-<env>-mlflow`): its name is part of its ARN. */
export function trackingServerName(parts: NameParts): string {
  return `${groupNamePrefix(parts)}-mlflow`;
}

/**
 * A model's endpoint: named, so that its log group (`endpointLogGroupName`) is declared with the
 * environment's retention and key before SageMaker first writes to it.
 */
export function modelEndpointName(parts: NameParts, model: string): string {
  return modelResourceName(parts, model);
}

/** The log group of a model's run recorder builds (MLflow), named as its data pipeline's are. */
export function runRecorderLogGroupName(parts: NameParts, model: string): string {
  return `/aws/codebuild/${modelResourceName(parts, model)}-run-records`;
}

/**
 * The Glue database of a model's data pipeline: its resource name with `_` for `-` (what Athena
 * accepts unquoted). `modelName` is `modelResourceName`'s result.
 */
export function glueDatabaseName(modelName: string): string {
  return modelName.replace(/-/g, '_');
}

/** The suffix of a model's endpoint composite alarm, and of its drift schedule. */
export const COMPOSITE_ALARM_SUFFIX = 'endpoint';
export const DRIFT_SCHEDULE_SUFFIX = 'data-quality';
/** The suffix of a model's model-quality schedule, and of its quality alarm. */
export const MODEL_QUALITY_SCHEDULE_SUFFIX = 'model-quality';

/** One name the platform derives, the AWS limit it must meet, and what it is. */
export interface DerivedName {
  readonly what: string;
  readonly name: string;
  /** AWS's documented maximum length. */
  readonly maxLength: number;
  /** Characters AWS accepts in it. */
  readonly pattern: RegExp;
}

/** SageMaker names: at most 63 letters, digits and hyphens, starting with a letter or digit. */
const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
/** S3 bucket names: lowercase letters, digits, hyphens and dots, starting and ending alphanumerically. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
/** The run id that ends a job name: an MD5 hash of the execution name, in hex. */
const RUN_ID = 'f'.repeat(32);

/**
 * Every name the platform derives from the configuration for one environment, with its limit:
 * buckets, model package groups, drift schedules and alarms. Checked when the configuration is
 * loaded, so a long name fails there, not in a deploy.
 */
export function derivedNames(parts: NameParts, models: readonly string[]): DerivedName[] {
  return [
    ...BUCKET_KINDS.map((kind) => ({
      what: `S3 bucket (${kind})`,
      name: dataStoreBucketName(bucketNamePrefix(parts), kind),
      maxLength: 63,
      pattern: BUCKET_NAME,
    })),
    ...[
      ['promotion', promotionRoleName(parts)],
      ['GitHub deploy', githubDeployRoleName(parts)],
      ['delivery check', deliveryCheckRoleName(parts)],
    ].map(([what, name]) => ({ what: `IAM role (${what})`, name, maxLength: 64, pattern: /^[\w+=,.@-]+$/ })),
    {
      what: 'CodeArtifact domain',
      name: packageDomainName(parts),
      maxLength: 50,
      pattern: /^[a-z][a-z0-9-]*[a-z0-9]$/,
    },
    {
      what: 'IAM role path (builds)',
      name: buildRolePath(parts),
      maxLength: 512,
      pattern: /^\/[\x21-\x7e]*\/$/,
    },
    {
      what: 'MLflow tracking server',
      name: trackingServerName(parts),
      maxLength: 256,
      pattern: SAGEMAKER_NAME,
    },
    ...models.flatMap((model) => [
      {
        what: 'model package group',
        name: modelResourceName(parts, model),
        maxLength: 63,
        pattern: SAGEMAKER_NAME,
      },
      {
        what: 'SageMaker endpoint',
        name: modelEndpointName(parts, model),
        maxLength: 63,
        pattern: SAGEMAKER_NAME,
      },
      {
        what: 'drift monitoring schedule',
        name: modelResourceName(parts, model, DRIFT_SCHEDULE_SUFFIX),
        maxLength: 63,
        pattern: SAGEMAKER_NAME,
      },
      {
        what: 'model-quality monitoring schedule',
        name: modelResourceName(parts, model, MODEL_QUALITY_SCHEDULE_SUFFIX),
        maxLength: 63,
        pattern: SAGEMAKER_NAME,
      },
      ...[COMPOSITE_ALARM_SUFFIX, ...Object.values(ROLLBACK_ALARM_SUFFIXES)].map((suffix) => ({
        what: 'CloudWatch alarm',
        name: modelResourceName(parts, model, suffix),
        maxLength: 255,
        pattern: /^[\x20-\x7e]+$/,
      })),
    ]),
  ];
}

/**
 * The name of a batch-served model's transform jobs, `<model>-batch-<id>`, where the id is the MD5
 * of the execution's name (32 hex digits, `BatchTransform`'s `PrepareJob`).
 */
export function batchJobName(model: string): DerivedName {
  return {
    what: 'SageMaker transform job (batch serving)',
    name: new ModelLayout(model).jobName(BATCH_JOB_STEP, 'f'.repeat(32)),
    maxLength: 63,
    pattern: SAGEMAKER_NAME,
  };
}

/**
 * The names of a model's SageMaker jobs (with the longest run id), the same in every environment;
 * a tuned model's tuning job (at most 32 characters, the run id cut to fit) and its trials (named
 * after it, as `<tuning job>-NNN-<8 hex>`: the longest seen on AWS).
 */
export function jobNames(model: string, tuned = false): DerivedName[] {
  const layout = new ModelLayout(model);
  return pipelineSteps(tuned).flatMap((step): DerivedName[] => {
    if (step.job !== 'tuning') {
      return [
        {
          what: `SageMaker ${step.job} job (${step.jobStep})`,
          name: layout.jobName(step.jobStep, RUN_ID),
          maxLength: 63,
          pattern: SAGEMAKER_NAME,
        },
      ];
    }
    const tuningJob = layout.jobName(step.jobStep, RUN_ID.slice(0, tuningIdLength(layout)));
    return [
      {
        what: 'SageMaker tuning job',
        name: tuningJob,
        maxLength: TUNING_JOB_NAME_MAX,
        pattern: SAGEMAKER_NAME,
      },
      {
        what: 'SageMaker training job (tuning trial)',
        name: `${tuningJob}-999-ffffffff`,
        maxLength: 63,
        pattern: SAGEMAKER_NAME,
      },
    ];
  });
}

/** Why each of `names` breaks AWS's rules; of names of one kind, the longest speaks for the others. */
export function nameProblems(names: readonly DerivedName[]): string[] {
  const longest = new Map<string, DerivedName>();
  for (const derived of names) {
    const kind = `${derived.what.replace(/ \(.*\)$/, '')} ${derived.maxLength}`;
    const seen = longest.get(kind);
    if (!seen || derived.name.length > seen.name.length) longest.set(kind, derived);
  }
  return [...longest.values()].flatMap(({ what, name, maxLength, pattern }) => {
    const problems: string[] = [];
    if (name.length > maxLength) {
      problems.push(
        `the ${what} name '${name}' is ${name.length} characters, over AWS's limit of ${maxLength}: ` +
          'shorten the project, environment or model name',
      );
    }
    if (!pattern.test(name))
      problems.push(`the ${what} name '${name}' has characters AWS does not accept there`);
    return problems;
  });
}
