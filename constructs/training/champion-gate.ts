import { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { ModelLayout } from '../common/model-layout';
import { readJsonObject } from '../common/private/read-json-object';
import type { ModelPackageGroupRef } from '../registry/model-registry';

/**
 * Registers a model only when it beats the champion: the newest approved package of its group.
 * With no approved package yet, the absolute gate alone decides.
 */
export interface ChampionComparison {
  /** A metric of `evaluation.json` (`<problem type>_metrics.<metric>.value`), e.g. `auc`. */
  readonly metric: string;
  /**
   * How much better than the champion's value the new one must be, in `better`'s direction
   * (0 or more). The improvement is rounded to 9 decimal places before it is compared, so
   * floating-point noise does not decide; with 0, a model as good as the champion is registered.
   */
  readonly minImprovement: number;
  /** Whether a larger value of `metric` is the better model (`auc`) or a smaller one (`rmse`). */
  readonly better: 'higher' | 'lower';
}

/** Where an execution keeps what it learnt of the champion. */
export const CHAMPION_PATH = '$.champion';

/** Decimal places the improvement over the champion is rounded to before it is compared. */
export const IMPROVEMENT_DECIMALS = 9;

/** SageMaker errors worth retrying on the registry's read calls. */
const REGISTRY_RETRYABLE_ERRORS = [
  'SageMaker.ThrottlingException',
  'SageMaker.InternalFailure',
  'SageMaker.SageMakerException',
];

export interface ChampionGateProps {
  readonly layout: ModelLayout;
  /** The model's group: its newest approved package is the champion. */
  readonly group: ModelPackageGroupRef;
  /** Where evaluation reports are (the champion's, under `layout.evaluationKey(<run>)`). */
  readonly modelsBucket: s3.IBucket;
  /** The group of `evaluation.json`'s metrics: `<problemType>_metrics`. */
  readonly problemType: string;
  readonly rule: ChampionComparison;
  /** JSONPath of the new model's evaluation (`evaluation.json`, parsed). */
  readonly evaluationPath: string;
  /** Where the model goes on to when it beats the champion, or when there is none: registration. */
  readonly next: sfn.IChainable;
  /** Where failures go: a state reading `$.error` (`Error`, `Cause`). */
  readonly failure: sfn.IChainable;
}

/**
 * The states that compare a model with the champion, after the absolute gate, before registration:
 * `FindChampion` (ListModelPackages of the group, Approved, newest by CreationTime, 1) ->
 * `DescribeChampion` -> its model-quality report (`ModelMetrics.ModelQuality.Statistics.S3Uri`,
 * where `RegisterModel` records the evaluation, and where a promotion records its copy in the
 * target's models bucket) is read from this environment's models bucket, only at
 * `<model>/runs/<run>/evaluation/evaluation.json` -> `CompareWithChampion` (a JSONata Choice: the
 * improvement, in the metric's better direction and rounded to `IMPROVEMENT_DECIMALS`, is at least
 * `minImprovement`) -> `next`. No champion goes straight to `next`. A model that does not beat it
 * fails as `ChampionNotBeaten`, naming both values; a champion that cannot be compared (no report,
 * one elsewhere or missing, no numeric metric) fails as `ChampionNotComparable`, saying which.
 * Returns the first state.
 */
export function championGateStates(scope: Construct, props: ChampionGateProps): sfn.IChainable {
  const { layout, group, rule } = props;
  const metricField = `${props.problemType}_metrics.${rule.metric}.value`;
  const challengerValue = `${props.evaluationPath}.${metricField}`;
  const championValue = `${CHAMPION_PATH}.evaluation.metrics.${metricField}`;
  const bucket = props.modelsBucket.bucketName;
  const catchAll = { resultPath: '$.error' };

  /**
   * A state that records `error` with a cause (text, or an intrinsic of the state's input) and
   * fails. Intrinsic templates here hold no comma, quote or brace of their own.
   */
  const fail = (id: string, error: string, cause: { text: string } | { intrinsic: string }) =>
    new sfn.Pass(scope, id, {
      parameters: {
        Error: error,
        ...('text' in cause ? { Cause: cause.text } : { 'Cause.$': cause.intrinsic }),
      },
      resultPath: '$.error',
    }).next(props.failure);
  const notComparable = (id: string, why: string, ...args: string[]) =>
    fail(id, 'ChampionNotComparable', {
      intrinsic: `States.Format('${why}: the new ${layout.modelName} cannot be compared with it (reject it to compare with the approved package before it; or remove qualityGate.vsChampion)', ${args.join(', ')})`,
    });

  // The new model's metric, as the absolute gate checks its own (it may be another metric).
  const comparedMetricMissing = fail('ComparedMetricMissing', 'MetricMissing', {
    text: `evaluation.json has no numeric ${metricField}, which qualityGate.vsChampion compares`,
  });

  const findChampion = new tasks.CallAwsService(scope, 'FindChampion', {
    service: 'sagemaker',
    action: 'listModelPackages',
    iamResources: [group.packagesArn],
    parameters: {
      ModelPackageGroupName: group.groupName,
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 1,
    },
    resultSelector: { 'packages.$': '$.ModelPackageSummaryList' },
    resultPath: CHAMPION_PATH,
    taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
  });
  const describeChampion = new tasks.CallAwsService(scope, 'DescribeChampion', {
    service: 'sagemaker',
    action: 'describeModelPackage',
    iamResources: [group.packagesArn],
    parameters: { ModelPackageName: sfn.JsonPath.stringAt(`${CHAMPION_PATH}.packages[0].ModelPackageArn`) },
    resultPath: `${CHAMPION_PATH}.package`,
    taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
  });
  for (const task of [findChampion, describeChampion]) {
    task.addRetry({ errors: REGISTRY_RETRYABLE_ERRORS, maxAttempts: 3 });
    task.addCatch(props.failure, catchAll);
  }

  // The report's key: its URI's run segment, counted from the end (Step Functions and the local
  // runner split `s3://` differently: one drops the empty segment, the other keeps it) put back in
  // the layout's key, which must then give the very URI the package records.
  const template = layout.evaluationKey('{}');
  const segments = template.split('/');
  const runSegment = segments.indexOf('{}');
  if (runSegment < 0 || segments.filter((s) => s.includes('{}')).length !== 1) {
    throw new Error(`${template}: the run must be one whole segment of an evaluation key`);
  }
  const reportUri = `${CHAMPION_PATH}.package.ModelMetrics.ModelQuality.Statistics.S3Uri`;
  const parts = `${CHAMPION_PATH}.parts`;
  const run = `States.ArrayGetItem(${parts}, States.MathAdd(States.ArrayLength(${parts}), -${segments.length - runSegment}))`;
  const locateReport = new sfn.Pass(scope, 'LocateChampionReport', {
    parameters: {
      'arn.$': `${CHAMPION_PATH}.package.ModelPackageArn`,
      'reportUri.$': reportUri,
      'parts.$': `States.StringSplit(${reportUri}, '/')`,
    },
    resultPath: CHAMPION_PATH,
  });
  const reportKey = new sfn.Pass(scope, 'ChampionReportKey', {
    parameters: {
      'key.$': `States.Format('${template}', ${run})`,
      'uri.$': `States.Format('s3://${bucket}/${template}', ${run})`,
    },
    resultPath: `${CHAMPION_PATH}.report`,
  });
  const elsewhere = notComparable(
    'ChampionReportElsewhere',
    `the champion {} records its model-quality report at {} and not at s3://${bucket}/${layout.evaluationKey('<run>')}`,
    `${CHAMPION_PATH}.arn`,
    `${CHAMPION_PATH}.reportUri`,
  );

  const readReport = readJsonObject(scope, 'ReadChampionMetrics', {
    bucket,
    key: sfn.JsonPath.stringAt(`${CHAMPION_PATH}.report.key`),
    iamResource: props.modelsBucket.arnForObjects(layout.evaluationKey('*')),
    field: 'metrics',
    resultPath: `${CHAMPION_PATH}.evaluation`,
  });
  readReport.addCatch(
    notComparable(
      'ChampionReportMissing',
      'the model-quality report {} of the champion {} is not in the models bucket',
      `${CHAMPION_PATH}.reportUri`,
      `${CHAMPION_PATH}.arn`,
    ),
    { errors: ['S3.NoSuchKeyException'], resultPath: '$.error' },
  );
  readReport.addCatch(props.failure, catchAll);
  const championMetricMissing = notComparable(
    'ChampionMetricMissing',
    `the evaluation {} of the champion {} has no numeric ${metricField}`,
    `${CHAMPION_PATH}.reportUri`,
    `${CHAMPION_PATH}.arn`,
  );

  // JSONPath has no decimal arithmetic: the comparison is JSONata's.
  const jsonata = (path: string) => path.replace(/^\$\./, '$states.input.');
  const improvement =
    rule.better === 'higher'
      ? `${jsonata(challengerValue)} - ${jsonata(championValue)}`
      : `${jsonata(championValue)} - ${jsonata(challengerValue)}`;
  const compare = sfn.Choice.jsonata(scope, 'CompareWithChampion', {
    comment: `Registers only a model whose ${rule.metric} beats the champion's by at least ${rule.minImprovement} (${rule.better} is better)`,
  })
    .when(
      sfn.Condition.jsonata(
        `{% $round(${improvement}, ${IMPROVEMENT_DECIMALS}) >= ${JSON.stringify(rule.minImprovement)} %}`,
      ),
      props.next,
    )
    .otherwise(
      fail('ChampionNotBeaten', 'ChampionNotBeaten', {
        intrinsic: `States.Format('${rule.metric} {} does not beat the champion {} (${rule.metric} {}) by at least ${rule.minImprovement}: ${rule.better} is better', ${challengerValue}, ${CHAMPION_PATH}.arn, ${championValue})`,
      }),
    );

  // Each path is tested for presence before its type, and its type before its use: a type test on
  // a missing path, or a missing path in Parameters, is a run-time error no Catch sees.
  findChampion.next(
    new sfn.Choice(scope, 'HasChampion')
      .when(sfn.Condition.isPresent(`${CHAMPION_PATH}.packages[0].ModelPackageArn`), describeChampion)
      .otherwise(props.next),
  );
  describeChampion.next(
    new sfn.Choice(scope, 'ChampionHasReport')
      .when(sfn.Condition.isPresent(reportUri), locateReport)
      .otherwise(
        notComparable(
          'ChampionReportUnknown',
          'the champion {} records no model-quality report (ModelMetrics.ModelQuality.Statistics.S3Uri)',
          `${CHAMPION_PATH}.package.ModelPackageArn`,
        ),
      ),
  );
  locateReport.next(
    new sfn.Choice(scope, 'ChampionReportHasRun')
      // `s3:`, the bucket and the key's segments, at least.
      .when(sfn.Condition.isPresent(`${parts}[${segments.length + 1}]`), reportKey)
      .otherwise(elsewhere),
  );
  reportKey.next(
    new sfn.Choice(scope, 'ChampionReportIsOwn')
      .when(
        sfn.Condition.stringEqualsJsonPath(`${CHAMPION_PATH}.report.uri`, `${CHAMPION_PATH}.reportUri`),
        readReport,
      )
      .otherwise(elsewhere),
  );
  readReport.next(
    new sfn.Choice(scope, 'ChampionHasMetric')
      .when(
        sfn.Condition.isPresent(championValue),
        new sfn.Choice(scope, 'ChampionMetricIsNumeric')
          .when(sfn.Condition.isNumeric(championValue), compare)
          .otherwise(championMetricMissing),
      )
      .otherwise(championMetricMissing),
  );

  return new sfn.Choice(scope, 'HasComparedMetric')
    .when(
      sfn.Condition.isPresent(challengerValue),
      new sfn.Choice(scope, 'ComparedMetricIsNumeric')
        .when(sfn.Condition.isNumeric(challengerValue), findChampion)
        .otherwise(comparedMetricMissing),
    )
    .otherwise(comparedMetricMissing);
}

/** Problems with a comparison rule, for the construct's validation. */
export function championRuleProblems(rule: ChampionComparison): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9_]*$/.test(rule.metric))
    problems.push(`qualityGate.vsChampion.metric '${rule.metric}' must be a metric name such as auc`);
  if (!Number.isFinite(rule.minImprovement) || rule.minImprovement < 0)
    problems.push('qualityGate.vsChampion.minImprovement must be a finite number, 0 or more');
  if (!['higher', 'lower'].includes(rule.better))
    problems.push("qualityGate.vsChampion.better must be 'higher' or 'lower'");
  return problems;
}
