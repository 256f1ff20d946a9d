import { type ArnComponents, ArnFormat, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { glueDatabaseName } from '../../../config/derived-names';
import {
  BATCH_JOB_STEP,
  TRANSFORM_JOB_LOG_GROUP,
  dataStoreBucketName,
  endpointLogGroupName,
  experimentArtifactLocation,
  ModelLayout,
  modelPackageGroupName,
  NETWORK_INTERFACE_ACTIONS,
  EVERY_PIPELINE_STEP,
  runArtifactKeyPatterns,
  stepJobArnPatterns,
  trainedArtifactKeyPattern,
} from '../../../constructs';
import { acknowledgeInlinePolicy } from './acknowledge';

/** What the platform's wildcard resources are made of, in one environment. */
export interface ExplainedWildcardsProps {
  /** The data store's bucket name prefix (`<prefix>-raw`, ...). */
  readonly bucketNamePrefix: string;
  /** The registry's group name prefix (`<prefix>-<model>`). */
  readonly groupNamePrefix: string;
  /** The models the environment trains and serves. */
  readonly modelNames: readonly string[];
  /** The models of `modelNames` with a data pipeline. */
  readonly dataPipelineModels?: readonly string[];
  /** Where the environment publishes its names for the CLI (`/<project>/<env>`). */
  readonly parameterPath?: string;
  /** The models bucket prefix of the environment's MLflow tracking server's artifacts, if it has one. */
  readonly trackingArtifactPrefix?: string;
  /** The environments models are promoted from into this one (their buckets, registries, keys). */
  readonly promotionSources?: ReadonlyArray<{
    readonly name: string;
    readonly account: string;
    readonly region: string;
    readonly bucketNamePrefix: string;
    readonly groupNamePrefix: string;
  }>;
}

const DATA_BUCKETS = ['raw', 'curated', 'models', 'monitoring'] as const;

/**
 * The wildcard resources (AwsSolutions-IAM5 findings, `Resource::<arn>`) the platform's roles may
 * have in a stack, each with why: exact ARNs of this environment's buckets, jobs, log groups and
 * package groups, for its models, so a look-alike (another bucket, another model, a step the
 * pipeline does not have) stays unacknowledged and fails the compliance tests.
 */
export function explainedWildcards(stack: Stack, props: ExplainedWildcardsProps): Map<string, string> {
  const arn = (components: ArnComponents) => String(stack.resolve(stack.formatArn(components)));
  const partition = String(stack.resolve(stack.partition));
  const objectOf = (prefix: string, kind: string, key: string) =>
    `arn:${partition}:s3:::${dataStoreBucketName(prefix, kind)}/${key}`;
  const object = (kind: string, key: string) => objectOf(props.bucketNamePrefix, kind, key);
  const explained = new Map<string, string>();
  const explain = (resources: string[], reason: string) =>
    resources.forEach((r) => explained.set(`Resource::${r}`, reason));

  for (const model of props.modelNames) {
    const layout = new ModelLayout(model);
    explain(
      DATA_BUCKETS.map((kind) => object(kind, layout.allObjects)),
      `Model ${model}'s objects in a data bucket of this environment; the keys under it (run ids, splits, artifacts, captured data) are created at run time`,
    );
    explain(
      [false, true].map((tuned) => object('models', trainedArtifactKeyPattern(layout, tuned))),
      `The trained artifact of model ${model}'s runs (a tuned run's, its best trial's), whose version the registration records; the run id is a hash of the execution name, known only at run time`,
    );
    explain(
      [object('models', layout.evaluationKey('*'))],
      `The evaluation report of model ${model}'s runs; the run id is a hash of the execution name, known only at run time`,
    );
    explain(
      [
        object('monitoring', `${layout.dataCaptureDir}/*`),
        object('monitoring', `${layout.dataQualityDir}/*`),
      ],
      `Model ${model}'s captured requests and drift reports; SageMaker names them by endpoint, variant and time at run time`,
    );
    explain(
      [
        object('monitoring', `${layout.groundTruthDir}/*`),
        object('monitoring', `${layout.modelQualityDir}/*`),
      ],
      `Model ${model}'s ground-truth labels (pushed in hourly folders) and model-quality reports; named by time at run time`,
    );
    explain(
      [layout.asyncInputDir, layout.asyncOutputDir, layout.asyncFailureDir].map((dir) =>
        object('monitoring', `${dir}/*`),
      ),
      `Model ${model}'s asynchronous requests, answers and failures; callers name the requests, SageMaker names the answers by inference id at run time`,
    );
    explain(
      EVERY_PIPELINE_STEP.flatMap((step) => stepJobArnPatterns(stack, layout, step)).map((pattern) =>
        String(stack.resolve(pattern)),
      ),
      `Model ${model}'s jobs of one pipeline step (a tuning job's trials are named after it); job names end with a hash of the execution name, known only at run time`,
    );
    explain(
      [
        object('raw', `${layout.batchInputDir('*')}/*`),
        object('curated', `${layout.batchPredictionsDir('*')}/*`),
      ],
      `Model ${model}'s batches to score and their predictions (its batch transform); batch ids are given at run time`,
    );
    explain(
      [
        String(
          stack.resolve(
            arn({
              service: 'sagemaker',
              resource: 'transform-job',
              resourceName: `${layout.jobNamePrefix(BATCH_JOB_STEP)}*`,
            }),
          ),
        ),
      ],
      `Model ${model}'s batch transform jobs; job names end with a hash of the execution name, known only at run time`,
    );
    explain(
      [
        arn({
          service: 'sagemaker',
          resource: 'model-package',
          resourceName: `${modelPackageGroupName(props.groupNamePrefix, model)}/*`,
        }),
      ],
      `The versions of model ${model}'s package group; SageMaker numbers them at registration`,
    );
  }
  for (const model of props.dataPipelineModels ?? []) {
    const layout = new ModelLayout(model);
    explain(
      [
        `${layout.dataDir}/*`,
        `${layout.curatedRowsDir}/*`,
        `${layout.queryResultsDir}/*`,
        `${layout.tablesDir}/*`,
        `${layout.featuresPrefix}*`,
      ].map((key) => object('curated', key)),
      `Model ${model}'s data pipeline files in the curated bucket (rows by ingestion date, query results, dbt tables, features by dataset version): named at run time`,
    );
    explain(
      [
        arn({
          service: 'glue',
          resource: 'table',
          resourceName: `${glueDatabaseName(`${props.groupNamePrefix}-${model}`)}/*`,
        }),
      ],
      `The tables of model ${model}'s own Glue database; dbt names them after its models at run time`,
    );
  }
  if (props.trackingArtifactPrefix) {
    explain(
      [object('models', `${props.trackingArtifactPrefix}*`)],
      "The MLflow tracking server's run artifacts, under its own prefix of the models bucket; MLflow names them by experiment and run id at run time",
    );
    const trackingArtifactPrefix = props.trackingArtifactPrefix;
    for (const model of props.modelNames) {
      explain(
        runArtifactKeyPatterns(experimentArtifactLocation(trackingArtifactPrefix, model)).map((key) =>
          object('models', key),
        ),
        `The two artifacts model ${model}'s run recorder logs in a run (the evaluation report, the model archive), under its experiment's own folder of the MLflow tracking server's prefix of the models bucket; MLflow names a run's folder by its id at run time`,
      );
    }
  }
  if (props.parameterPath) {
    explain(
      [arn({ service: 'ssm', resource: 'parameter', resourceName: `${props.parameterPath.slice(1)}/*` })],
      "The names the environment publishes for the mlenv CLI, one parameter each, all under the environment's own path",
    );
  }
  // A promotion may promote any model: its role names every model's runs and groups by pattern.
  const everyRun = `${new ModelLayout('*').runDir('*')}/*`;
  const groupsOf = (prefix: string, where: Pick<ArnComponents, 'account' | 'region'> = {}) =>
    [
      ['model-package-group', modelPackageGroupName(prefix, '*')],
      ['model-package', `${modelPackageGroupName(prefix, '*')}/*`],
    ].map(([resource, resourceName]) => arn({ service: 'sagemaker', resource, resourceName, ...where }));
  if ((props.promotionSources ?? []).length > 0) {
    explain(
      [object('models', everyRun)],
      "The objects of every model's runs, which a promotion copies in (it deletes nothing); run ids are known only at run time, and any model may be promoted",
    );
    explain(
      groupsOf(props.groupNamePrefix),
      "Every model's package group of this environment and their versions, where a promotion registers; any model may be promoted",
    );
  }
  for (const source of props.promotionSources ?? []) {
    explain(
      [objectOf(source.bucketNamePrefix, 'models', everyRun)],
      `The objects of every model's runs in ${source.name}, which a promotion reads; run ids are known only at run time`,
    );
    explain(
      groupsOf(source.groupNamePrefix, { account: source.account, region: source.region }),
      `Every model's package group in ${source.name} and their versions, which a promotion reads`,
    );
    explain(
      [
        arn({
          service: 'kms',
          account: source.account,
          region: source.region,
          resource: 'key',
          resourceName: '*',
        }),
      ],
      `Any key of ${source.name}'s account, only as S3 uses it to decrypt its models bucket's objects (kms:ViaService and the bucket as encryption context): another account's key id is random and cannot be referenced at synth`,
    );
  }
  const logGroup = (name: string) =>
    arn({
      service: 'logs',
      resource: 'log-group',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  explain(
    ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/ProcessingJobs', TRANSFORM_JOB_LOG_GROUP].map(
      (group) => `${logGroup(group)}:log-stream:*`,
    ),
    'SageMaker names each job log stream at run time, inside the log group SageMaker writes job logs to',
  );
  for (const model of props.modelNames) {
    const group = logGroup(endpointLogGroupName(`${props.groupNamePrefix}-${model}`));
    explain(
      [`${group}:log-stream:*`],
      `SageMaker names the log streams of model ${model}'s endpoint after its variant and instances at run time, inside the endpoint's own log group`,
    );
  }
  return explained;
}

/**
 * Actions that have no resource-level permissions, so only `Resource: *` can grant them. The
 * `logs:` ones are what Step Functions needs to deliver execution logs (its documented policy).
 */
const NO_RESOURCE_LEVEL = new Set([
  // SageMaker (and CodeBuild) create, describe and delete a VPC job's, model's or build's network interfaces at run time.
  ...NETWORK_INTERFACE_ACTIONS,
  'cloudwatch:PutMetricData',
  'ecr:GetAuthorizationToken',
  // The bearer token CodeArtifact asks for in a build's name (granted with sts:AWSServiceName).
  'sts:GetServiceBearerToken',
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
]);

const IAM5 = 'AwsSolutions::AwsSolutions-IAM5';

/**
 * Acknowledges, on each IAM policy, the wildcard findings that `explainedWildcards` explains, with
 * its reason. Runs as an aspect so it sees each policy's final statements.
 */
export class AcknowledgeIamWildcards implements IAspect {
  private readonly explainedByStack = new Map<Stack, Map<string, string>>();

  constructor(private readonly props: ExplainedWildcardsProps) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const stack = Stack.of(node);
    let explained = this.explainedByStack.get(stack);
    if (!explained) {
      explained = explainedWildcards(stack, this.props);
      this.explainedByStack.set(stack, explained);
    }
    const findings = rules.iam.IAMNoWildcardPermissions(node);
    for (const finding of Array.isArray(findings) ? findings : []) {
      const reason = finding === 'Resource::*' ? noResourceLevelReason(node) : explained.get(finding);
      if (reason) Validations.of(node).acknowledge({ id: `${IAM5}[${finding}]`, reason });
    }
    acknowledgeInlinePolicy(node);
  }
}

/** The reason for `Resource: *`, if every statement that has it only grants actions without resource-level permissions. */
function noResourceLevelReason(policy: iam.CfnPolicy): string | undefined {
  const document = Stack.of(policy).resolve(policy.policyDocument) as {
    Statement?: Array<{ Effect: string; Action: string | string[]; Resource: unknown }>;
  };
  const actions = (document.Statement ?? [])
    .filter((s) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
    .flatMap((s) => [s.Action].flat());
  if (actions.length === 0 || !actions.every((a) => NO_RESOURCE_LEVEL.has(a))) return undefined;
  return `These actions have no resource-level permissions, or act on network interfaces SageMaker or CodeBuild creates at run time: ${[...new Set(actions)].sort().join(', ')}`;
}
