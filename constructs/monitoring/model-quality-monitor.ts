import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ModelLayout } from '../common/model-layout';
import { NotifyTopicTarget } from './topic-publishers';
import { eventRuleRole, servicePrincipalFor } from '../common/service-principals';
import { grantSageMakerRuntime, grantVolumeEncryption } from '../common/private/sagemaker-runtime-grants';
import { grantNetworkInterfaces } from '../network/grant-network-interfaces';
import { type MlNetworkPlacement, vpcConfigOf } from '../network/ml-network';
import type { IModelEndpoint } from '../serving/model-endpoint';
import type { IMlDataStore } from '../storage/ml-data-store';
import { FrameworkImage } from '../training/framework-image';
import { MlInstanceType } from '../training/ml-instance-type';
import { ProblemType, type QualityGate } from '../training/quality-gate';
import { latestDatasetInput } from '../training/training-pipeline-props';

/** The absolute part of a quality gate, which a served model is held to. */
export type QualityGateThreshold = Pick<QualityGate, 'metric' | 'operator' | 'threshold'>;

/** Where Model Monitor publishes the metrics of a model-quality check of a real-time endpoint. */
export const MODEL_QUALITY_METRIC_NAMESPACE = 'aws/sagemaker/Endpoints/model-metrics';

/**
 * What Model Monitor calls each problem type (`ModelQualityAppSpecification.ProblemType`), the
 * key of its constraints and statistics in `constraints.json` / `statistics.json`, and the
 * metrics it computes that a model's evaluation also writes (`ml/evaluation-metrics.json`), by
 * the evaluation's name. Model Monitor has no macro-averaged multiclass metrics, so a multiclass
 * gate can be watched on `accuracy` only.
 */
export const MODEL_MONITOR_PROBLEM_TYPES: Readonly<
  Record<
    ProblemType,
    {
      readonly problemType: 'BinaryClassification' | 'MulticlassClassification' | 'Regression';
      readonly constraintsKey: string;
      readonly metricsKey: string;
      readonly metrics: Readonly<Record<string, string>>;
    }
  >
> = {
  [ProblemType.BINARY_CLASSIFICATION]: {
    problemType: 'BinaryClassification',
    constraintsKey: 'binary_classification_constraints',
    metricsKey: 'binary_classification_metrics',
    metrics: { auc: 'auc', accuracy: 'accuracy', precision: 'precision', recall: 'recall', f1: 'f1' },
  },
  [ProblemType.MULTICLASS_CLASSIFICATION]: {
    problemType: 'MulticlassClassification',
    constraintsKey: 'multiclass_classification_constraints',
    metricsKey: 'multiclass_classification_metrics',
    metrics: { accuracy: 'accuracy' },
  },
  [ProblemType.REGRESSION]: {
    problemType: 'Regression',
    constraintsKey: 'regression_constraints',
    metricsKey: 'regression_metrics',
    metrics: { rmse: 'rmse', mae: 'mae', r2: 'r2' },
  },
};

/**
 * A gate `metric operator threshold` holds for a good model; Model Monitor reports a violation
 * when `metric comparison_operator threshold` holds, so each operator maps to its negation.
 */
const VIOLATION_OPERATORS: Readonly<
  Record<QualityGate['operator'], { constraint: string; alarm: cloudwatch.ComparisonOperator }>
> = {
  '>=': { constraint: 'LessThanThreshold', alarm: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD },
  '>': {
    constraint: 'LessThanOrEqualToThreshold',
    alarm: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
  },
  '<=': { constraint: 'GreaterThanThreshold', alarm: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
  '<': {
    constraint: 'GreaterThanOrEqualToThreshold',
    alarm: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  },
};

/**
 * The serving output's attributes Model Monitor reads from each captured response, as JSONPaths
 * into the reference serving contract's answer (`ml/mlenv_model/serving.py`): one record per
 * request, `{"predictions": [{"score": p, "label": 0|1}]}` (binary), `[{"label": k, "scores": [...]}]`
 * (multiclass), `[{"score": y}]` (regression).
 */
export const SERVING_OUTPUT_ATTRIBUTES: Readonly<
  Record<ProblemType, { readonly inference: string; readonly probability?: string }>
> = {
  [ProblemType.BINARY_CLASSIFICATION]: {
    inference: 'predictions[0].label',
    probability: 'predictions[0].score',
  },
  [ProblemType.MULTICLASS_CLASSIFICATION]: { inference: 'predictions[0].label' },
  [ProblemType.REGRESSION]: { inference: 'predictions[0].score' },
};

/**
 * The model-quality constraints of a quality gate, in Model Monitor's `constraints.json` format:
 * `{ "version": 0.0, "<problem>_constraints": { "<metric>": { threshold, comparison_operator } } }`.
 * Throws when Model Monitor does not compute the gate's metric for the problem type.
 */
export function modelQualityConstraints(
  problemType: ProblemType,
  gate: QualityGateThreshold,
): Record<string, unknown> {
  const kind = MODEL_MONITOR_PROBLEM_TYPES[problemType];
  const metric = kind.metrics[gate.metric];
  if (!metric) {
    throw new Error(
      `qualityGate.metric '${gate.metric}' is not a metric Model Monitor computes for ${problemType} ` +
        `(it computes ${Object.keys(kind.metrics).join(', ')} of the evaluation's metrics)`,
    );
  }
  return {
    version: 0.0,
    [kind.constraintsKey]: {
      [metric]: {
        threshold: gate.threshold,
        comparison_operator: VIOLATION_OPERATORS[gate.operator].constraint,
      },
    },
  };
}

/** Properties of a `ModelQualityMonitor`. */
export interface ModelQualityMonitorProps {
  /** The real-time endpoint whose captured predictions are checked; it must capture data. */
  readonly endpoint: IModelEndpoint;
  readonly modelName: string;
  readonly problemType: ProblemType;
  /**
   * The model's quality gate: its metric, operator and threshold become the check's constraint
   * and the alarm's threshold, so a served model is held to the gate it was registered by.
   */
  readonly qualityGate: QualityGateThreshold;
  /** Captured data, ground truth and reports are in the monitoring bucket. */
  readonly dataStore: IMlDataStore;
  /** An EventBridge cron expression (Model Monitor runs at most hourly). */
  readonly schedule: string;
  /** The monitoring schedule's name (unique per account and region). */
  readonly scheduleName: string;
  /** Told about every check that finds violations, and by the quality alarm. */
  readonly alerts: sns.ITopic;
  /**
   * Start retraining on a quality drop: the pipeline's state machine, started on the newest
   * pushed version of the model's dataset, as drift does. @default - no retraining
   */
  readonly retrain?: { readonly stateMachine: sfn.IStateMachine };
  /** The alarm's name. @default - generated */
  readonly alarmName?: string;
  /**
   * Which captured requests a check joins with labels: from `now + start` to `now + end`
   * (ISO 8601 durations; labels arrive after the predictions).
   * @default { start: '-P1D', end: '-PT0H' }
   */
  readonly window?: { readonly start: string; readonly end: string };
  /** @default FrameworkImage.modelMonitor() */
  readonly image?: FrameworkImage;
  /** @default MlInstanceType.of('ml.m5.large') */
  readonly instanceType?: MlInstanceType;
  /**
   * @default Duration.minutes(30) (AWS: an hourly model-quality check's MaxRuntimeInSeconds must not
   * exceed 1800, the hour being shared by the ground-truth merge job and the monitoring job)
   */
  readonly maxRuntime?: Duration;
  /** @default - SageMaker's own network (still isolated) */
  readonly network?: MlNetworkPlacement;
}

/**
 * Checks an endpoint's captured predictions against the labels pushed for them (SageMaker Model
 * Monitor model quality) on a schedule, against the model's quality gate. A check that finds
 * violations is published to the alert topic and, when asked, starts the training pipeline with
 * `reason: model-quality`; an alarm watches the gate's metric in CloudWatch.
 */
export class ModelQualityMonitor extends Construct {
  public readonly definition: sagemaker.CfnModelQualityJobDefinition;
  public readonly schedule: sagemaker.CfnMonitoringSchedule;
  public readonly role: iam.Role;
  /** The rule that reacts to a check with violations. */
  public readonly violations: events.Rule;
  /** Alarms when the gate's metric crosses its threshold (notifies the alert topic). */
  public readonly alarm: cloudwatch.Alarm;
  /** The constraints derived from the gate (Model Monitor's `constraints.json`). */
  public readonly constraints: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: ModelQualityMonitorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { dataStore, modelName: model, problemType, qualityGate: gate } = props;
    const kind = MODEL_MONITOR_PROBLEM_TYPES[problemType];
    this.constraints = modelQualityConstraints(problemType, gate); // throws on a metric it cannot watch
    const layout = new ModelLayout(model);
    const image = (props.image ?? FrameworkImage.modelMonitor()).bind(this);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: servicePrincipalFor(this, 'sagemaker.amazonaws.com', [
        stack.formatArn({ service: 'sagemaker', resource: 'processing-job', resourceName: '*' }),
      ]),
      description: `Model-quality checks of the ${model} endpoint`,
    });
    dataStore.grantReadMonitoring(this.role, `${layout.dataCaptureDir}/*`);
    dataStore.grantReadMonitoring(this.role, `${layout.groundTruthDir}/*`);
    dataStore.grantWriteMonitoring(this.role, `${layout.modelQualityDir}/*`);
    grantSageMakerRuntime(this.role, {
      logGroups: ['/aws/sagemaker/ProcessingJobs'],
      metricNamespaces: ['aws/sagemaker/Endpoints/*'],
      images: [image],
    });
    if (props.network) grantNetworkInterfaces(this.role);

    // The constraints are a function of the configured gate: a file asset written at synth (no
    // custom resource), read by the check from the CDK assets bucket.
    const constraints = new s3assets.Asset(this, 'Constraints', { path: constraintsFile(this.constraints) });
    // Only this object: Asset.grantRead would open the whole CDK assets bucket (every stack's code).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [
          stack.formatArn({
            service: 's3',
            region: '',
            account: '',
            resource: constraints.s3BucketName,
            resourceName: constraints.s3ObjectKey,
          }),
        ],
      }),
    );

    const keyArn = dataStore.encryptionKey.keyArn;
    grantVolumeEncryption(this.role, keyArn);
    const attributes = SERVING_OUTPUT_ATTRIBUTES[problemType];
    const window = props.window ?? { start: '-P1D', end: '-PT0H' };
    const monitoringBucket = dataStore.monitoringBucket.bucketName;
    this.definition = new sagemaker.CfnModelQualityJobDefinition(this, 'JobDefinition', {
      roleArn: this.role.roleArn,
      modelQualityAppSpecification: { imageUri: image.imageUri, problemType: kind.problemType },
      modelQualityBaselineConfig: { constraintsResource: { s3Uri: constraints.s3ObjectUrl } },
      modelQualityJobInput: {
        endpointInput: {
          endpointName: props.endpoint.endpointName,
          localPath: '/opt/ml/processing/input/endpoint',
          inferenceAttribute: attributes.inference,
          probabilityAttribute: attributes.probability,
          probabilityThresholdAttribute: attributes.probability ? 0.5 : undefined,
          startTimeOffset: window.start,
          endTimeOffset: window.end,
        },
        groundTruthS3Input: { s3Uri: `s3://${monitoringBucket}/${layout.groundTruthDir}` },
      },
      modelQualityJobOutputConfig: {
        kmsKeyId: keyArn,
        monitoringOutputs: [
          {
            s3Output: {
              s3Uri: `s3://${monitoringBucket}/${layout.modelQualityDir}`,
              localPath: '/opt/ml/processing/output',
              s3UploadMode: 'EndOfJob',
            },
          },
        ],
      },
      jobResources: {
        clusterConfig: {
          instanceCount: 1,
          instanceType: (props.instanceType ?? MlInstanceType.of('ml.m5.large')).toString(),
          volumeSizeInGb: 20,
          volumeKmsKeyId: keyArn,
        },
      },
      networkConfig: {
        enableNetworkIsolation: true,
        enableInterContainerTrafficEncryption: true,
        vpcConfig: props.network && vpcConfigOf(props.network),
      },
      stoppingCondition: { maxRuntimeInSeconds: (props.maxRuntime ?? Duration.minutes(30)).toSeconds() },
    });
    this.definition.node.addDependency(this.role);

    this.schedule = new sagemaker.CfnMonitoringSchedule(this, 'Schedule', {
      monitoringScheduleName: props.scheduleName,
      monitoringScheduleConfig: {
        monitoringJobDefinitionName: Fn.select(1, Fn.split('/', this.definition.attrJobDefinitionArn)),
        monitoringType: 'ModelQuality',
        scheduleConfig: { scheduleExpression: props.schedule },
      },
    });

    // Model Monitor publishes each check's metrics under the endpoint and the schedule.
    const metric = new cloudwatch.Metric({
      namespace: MODEL_QUALITY_METRIC_NAMESPACE,
      metricName: kind.metrics[gate.metric],
      dimensionsMap: { Endpoint: props.endpoint.endpointName, MonitoringSchedule: props.scheduleName },
      statistic: 'Average',
      period: Duration.hours(1),
    });
    this.alarm = metric.createAlarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription: `Model quality of ${model}: ${gate.metric} on labelled captures fails its gate (${gate.metric} ${gate.operator} ${gate.threshold})`,
      threshold: gate.threshold,
      comparisonOperator: VIOLATION_OPERATORS[gate.operator].alarm,
      evaluationPeriods: 1,
      // No labels in an hour is no news: the check then publishes nothing.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const scheduleArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'monitoring-schedule',
      resourceName: props.scheduleName,
    });
    this.violations = new events.Rule(this, 'Violations', {
      description: `Model quality: a model-quality check of ${model} found violations of its quality gate`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Processing Job State Change'],
        detail: {
          MonitoringScheduleArn: [scheduleArn],
          ExitMessage: [{ prefix: 'CompletedWithViolations' }],
        },
      },
    });
    this.violations.addTarget(
      new NotifyTopicTarget(props.alerts, {
        message: events.RuleTargetInput.fromObject({
          result: 'model quality',
          model,
          gate: `${gate.metric} ${gate.operator} ${gate.threshold}`,
          check: events.EventField.fromPath('$.detail.ProcessingJobName'),
          detail: events.EventField.fromPath('$.detail.ExitMessage'),
          retraining: props.retrain ? 'started' : 'off: a person decides',
        }),
      }),
    );
    if (props.retrain) {
      this.violations.addTarget(
        new targets.SfnStateMachine(props.retrain.stateMachine, {
          role: eventRuleRole(this, 'RetrainRole'),
          input: events.RuleTargetInput.fromObject({
            ...latestDatasetInput(dataStore.rawBucket, model, 'model-quality'),
            monitoringCheck: events.EventField.fromPath('$.detail.ProcessingJobName'),
          }),
        }),
      );
    }
  }
}

/** Writes the constraints (once per content) where an asset can take them from. */
function constraintsFile(constraints: Record<string, unknown>): string {
  const body = `${JSON.stringify(constraints, null, 2)}\n`;
  const dir = join(tmpdir(), 'mlenv-constraints', createHash('sha256').update(body).digest('hex'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'constraints.json');
  writeFileSync(path, body);
  return path;
}
