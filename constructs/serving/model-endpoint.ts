import { ArnFormat, Duration, type IResource, Resource, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwactions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ModelLayout } from '../common/model-layout';
import { sageMakerInferencePrincipal } from '../common/service-principals';
import { grantSageMakerRuntime } from '../common/private/sagemaker-runtime-grants';
import { grantNetworkInterfaces } from '../network/grant-network-interfaces';
import { type MlNetworkPlacement, vpcConfigOf } from '../network/ml-network';
import type { IMlDataStore } from '../storage/ml-data-store';
import type { FrameworkImage } from '../training/framework-image';
import {
  AsyncVariant,
  type AsyncVariantOptions,
  type EndpointVariant,
  InstanceVariant,
  ServerlessVariant,
} from './endpoint-variant';
import { MODEL_FILES_SHA256_ENV, SHA256_HEX } from '../common/artifact-integrity';

/** A SageMaker endpoint serving one model. */
export interface IModelEndpoint extends IResource {
  readonly endpointName: string;
  readonly endpointArn: string;
  /** The name of the endpoint's single variant. */
  readonly variantName: string;
  /** Lets `grantee` invoke the endpoint. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** Invocations: Sum over 1 minute by default. */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Time the model takes to respond, in microseconds: p99 over 1 minute by default. */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests answered with a 5xx error: Sum over 1 minute by default. */
  metric5xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** An endpoint of another stack or app. */
export interface ModelEndpointAttributes {
  readonly endpointName: string;
  /** @default 'AllTraffic' */
  readonly variantName?: string;
}

/** What every `IModelEndpoint` offers: invoking it, and its metrics. */
abstract class ModelEndpointBase extends Resource implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;
  public abstract readonly variantName: string;

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint'],
      resourceArns: [this.endpointArn],
    });
  }

  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }

  public metric5xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  private metric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      period: Duration.minutes(1),
      ...props,
    });
  }
}

/** Blue/green rollout of a new model to an instance variant. */
export interface RolloutOptions {
  /** Share of capacity the new model gets first, 1-50 %. @default 10 */
  readonly canaryPercent?: number;
  /** How long the canary is watched before all traffic moves. @default Duration.minutes(5) */
  readonly wait?: Duration;
}

/**
 * A candidate package that gets a copy of the production variant's requests and whose answers
 * nobody sees (a SageMaker shadow variant), on the production variant's instance type and count.
 */
export interface ShadowVariantOptions {
  /** The candidate model package (registry version). */
  readonly modelPackageArn: string;
  /** The candidate package's `artifactFilesSha256`, given to its serving code as the main package's is. */
  readonly artifactFilesSha256: string;
  /**
   * Share of the production variant's requests copied to the shadow variant, 1-100 %: rendered as
   * the shadow variant's `InitialVariantWeight` (`samplingPercent / 100`) beside the production
   * variant's weight of 1.
   * @default 100
   */
  readonly samplingPercent?: number;
}

/** Properties of a `ModelEndpoint`. */
export interface ModelEndpointProps {
  /** The model package (registry version) to serve. */
  readonly modelPackageArn: string;
  /**
   * The package's `artifactFilesSha256` (its artifact's files' SHA-256, as the registration
   * recorded it): the model gives it to the serving code (`MLENV_MODEL_FILES_SHA256`), which
   * refuses to load files with another digest.
   */
  readonly artifactFilesSha256: string;
  /** The model's name in the data store: its artifacts are read from `models/<modelName>/`, capture goes to `monitoring/<modelName>/`. */
  readonly modelName: string;
  /** Model artifacts and data capture live here; its key also encrypts the endpoint's volumes. */
  readonly dataStore: IMlDataStore;
  /** How the variant runs. */
  readonly variant: EndpointVariant;
  /** The image the package uses, so the role may pull it. @default - no ECR permissions (SageMaker's own images need none) */
  readonly image?: FrameworkImage;
  /** Percentage of requests and responses captured to the monitoring bucket; instance variants only. @default - no capture */
  readonly dataCapturePercent?: number;
  /** Blue/green canary rollout with automatic rollback on the alarms; instance variants only. @default - canary 10 %, 5 minutes */
  readonly rollout?: RolloutOptions;
  /** p99 model latency that raises the latency alarm. @default Duration.seconds(1) */
  readonly latencyThreshold?: Duration;
  /** 5xx errors per minute that raise the error alarm. @default 1 */
  readonly errorThreshold?: number;
  /**
   * Prefix of the alarm names. Rollback alarms are named (the endpoint refers to them by name,
   * which avoids a dependency cycle between the endpoint and the alarms that watch it).
   * @default - the stack name and the construct's id
   */
  readonly alarmNamePrefix?: string;
  /** Run the model in these VPC subnets and security groups. @default - SageMaker's own network (still isolated) */
  readonly network?: MlNetworkPlacement;
  /** What the alarms do when they fire (besides rolling back a rollout). @default - nothing */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * The endpoint's name. A fixed name lets its log group (`endpointLogGroupName(name)`) be
   * declared, with a retention and a key, before SageMaker creates it, and the role writes to
   * that group only. A new package still updates the endpoint in place; only a new name replaces it.
   * @default - a name CloudFormation generates (the role may write to any endpoint's log group)
   */
  readonly endpointName?: string;
  /**
   * A shadow variant beside the production variant; instance variants only (not serverless, not
   * asynchronous). It uses the endpoint's role and, with `dataCapturePercent`, is captured under its
   * own variant name (`<capture>/<endpoint>/Shadow/...`).
   * @default - no shadow variant
   */
  readonly shadow?: ShadowVariantOptions;
}

/** What an asynchronous endpoint offers beyond invoking it: its S3 locations and notification topics. */
export interface AsyncEndpointResources {
  /** Where callers put requests (`s3://<monitoring>/<model>/async/input`). */
  readonly inputS3Uri: string;
  /** Where answers go (`S3OutputPath`). */
  readonly outputS3Uri: string;
  /** Where failures go (`S3FailurePath`). */
  readonly failureS3Uri: string;
  /** Notified when a request is answered (KMS-encrypted, TLS only, only the endpoint's role may publish). */
  readonly successTopic: sns.Topic;
  /** Notified when a request fails. */
  readonly errorTopic: sns.Topic;
}

const NAME = /^[a-z][a-z0-9-]{0,17}$/;
/** SageMaker's endpoint names: 1-63 letters, digits and hyphens, starting with a letter or digit. */
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** The log group SageMaker writes an endpoint's container logs to. */
export function endpointLogGroupName(endpointName: string): string {
  return `/aws/sagemaker/Endpoints/${endpointName}`;
}

/** The rollback alarms are named `<alarmNamePrefix>-<suffix>`. */
export const ROLLBACK_ALARM_SUFFIXES = { errors: '5xx-errors', latency: 'model-latency' } as const;

/**
 * A SageMaker endpoint that serves a model package: a network-isolated model, an endpoint config
 * with an instance or serverless variant (KMS-encrypted volume and data capture where the variant
 * supports them), and an endpoint that a new package updates in place. On
 * instance variants, new models roll out blue/green (canary) with automatic rollback on the 5xx
 * and latency alarms, and capacity follows invocations per instance.
 *
 * @example
 * const endpoint = new ModelEndpoint(this, 'Churn', {
 *   modelName: 'churn',
 *   modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlenv-prod-churn/3',
 *   dataStore,
 *   variant: EndpointVariant.instances({ instanceType: MlInstanceType.of('ml.m5.large'), initialInstanceCount: 2 }),
 *   dataCapturePercent: 20,
 * });
 * endpoint.grantInvoke(apiRole);
 */
export class ModelEndpoint extends ModelEndpointBase {
  /** An endpoint of another stack or app, to invoke, chart, alarm on or monitor. */
  public static fromModelEndpointAttributes(
    scope: Construct,
    id: string,
    attrs: ModelEndpointAttributes,
  ): IModelEndpoint {
    class Imported extends ModelEndpointBase {
      public readonly endpointName = attrs.endpointName;
      public readonly variantName = attrs.variantName ?? 'AllTraffic';
      public readonly endpointArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'endpoint',
        resourceName: attrs.endpointName,
      });
    }
    return new Imported(scope, id);
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;
  public readonly variantName = 'AllTraffic';
  /** The role the model runs as. */
  public readonly role: iam.Role;
  /** Alarms that roll a deployment back (instance variants), and that operations watch. */
  public readonly errorAlarm: cloudwatch.Alarm;
  public readonly latencyAlarm: cloudwatch.Alarm;
  /** The S3 locations and topics of an asynchronous variant; undefined for other variants. */
  public readonly async?: AsyncEndpointResources;
  /** The name of the shadow variant, when there is one. */
  public readonly shadowVariantName?: string;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    validate(this.node.path, props);
    const stack = Stack.of(this);
    const { dataStore, variant } = props;
    const layout = new ModelLayout(props.modelName);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: sageMakerInferencePrincipal(this),
      description: `Runs the ${props.modelName} model of endpoint ${this.node.path}`,
    });
    dataStore.grantReadModels(this.role, layout.allObjects);
    grantSageMakerRuntime(this.role, {
      logGroups: [endpointLogGroupName(props.endpointName ?? '*')],
      metricNamespaces: ['/aws/sagemaker/*'],
      images: props.image ? [props.image.bind(this)] : [],
    });

    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      containers: [
        {
          modelPackageName: props.modelPackageArn,
          environment: { [MODEL_FILES_SHA256_ENV]: props.artifactFilesSha256 },
        },
      ],
      enableNetworkIsolation: true,
      vpcConfig: props.network && vpcConfigOf(props.network),
    });
    if (props.network) grantNetworkInterfaces(this.role);
    // The role's policy must exist before SageMaker checks what the model may read.
    model.node.addDependency(this.role);

    const asyncOptions = variant instanceof AsyncVariant ? variant.options : undefined;
    // An asynchronous variant runs on instances as an instance variant does.
    const instance =
      variant instanceof InstanceVariant
        ? variant.options
        : asyncOptions && {
            instanceType: asyncOptions.instanceType,
            initialInstanceCount: asyncOptions.initialInstanceCount ?? 1,
          };
    const serverless = variant instanceof ServerlessVariant ? variant.options : undefined;
    const capture = instance && props.dataCapturePercent ? props.dataCapturePercent : 0;
    if (capture > 0) dataStore.grantWriteMonitoring(this.role, `${layout.dataCaptureDir}/*`);

    let shadowModel: sagemaker.CfnModel | undefined;
    if (props.shadow) {
      // The candidate runs as the production model does: same role, isolated, same network.
      shadowModel = new sagemaker.CfnModel(this, 'ShadowModel', {
        executionRoleArn: this.role.roleArn,
        containers: [
          {
            modelPackageName: props.shadow.modelPackageArn,
            environment: { [MODEL_FILES_SHA256_ENV]: props.shadow.artifactFilesSha256 },
          },
        ],
        enableNetworkIsolation: true,
        vpcConfig: props.network && vpcConfigOf(props.network),
      });
      shadowModel.node.addDependency(this.role);
      this.shadowVariantName = SHADOW_VARIANT_NAME;
    }
    const asyncInference = asyncOptions && this.asyncInference(props, layout, asyncOptions);
    this.async = asyncInference?.resources;

    const config = new sagemaker.CfnEndpointConfig(this, 'Config', {
      productionVariants: [
        {
          variantName: this.variantName,
          modelName: model.attrModelName,
          initialVariantWeight: 1,
          ...(instance
            ? {
                instanceType: instance.instanceType.toString(),
                initialInstanceCount: instance.initialInstanceCount ?? 1,
              }
            : {}),
          ...(serverless
            ? {
                serverlessConfig: {
                  memorySizeInMb: serverless.memorySize.toMebibytes(),
                  maxConcurrency: serverless.maxConcurrency,
                },
              }
            : {}),
        },
      ],
      shadowProductionVariants:
        shadowModel && instance
          ? [
              {
                variantName: SHADOW_VARIANT_NAME,
                modelName: shadowModel.attrModelName,
                initialVariantWeight: (props.shadow?.samplingPercent ?? 100) / 100,
                instanceType: instance.instanceType.toString(),
                initialInstanceCount: instance.initialInstanceCount ?? 1,
              },
            ]
          : undefined,
      asyncInferenceConfig: asyncInference?.config,
      // Serverless variants take no volume key.
      kmsKeyId: instance ? dataStore.encryptionKey.keyArn : undefined,
      dataCaptureConfig:
        capture > 0
          ? {
              enableCapture: true,
              initialSamplingPercentage: capture,
              destinationS3Uri: `s3://${dataStore.monitoringBucket.bucketName}/${layout.dataCaptureDir}`,
              kmsKeyId: dataStore.encryptionKey.keyArn,
              captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
              captureContentTypeHeader: {
                csvContentTypes: ['text/csv'],
                jsonContentTypes: ['application/json'],
              },
            }
          : undefined,
    });

    const alarmPrefix = props.alarmNamePrefix ?? `${stack.stackName}-${id}`;
    const errorAlarmName = `${alarmPrefix}-${ROLLBACK_ALARM_SUFFIXES.errors}`;
    const latencyAlarmName = `${alarmPrefix}-${ROLLBACK_ALARM_SUFFIXES.latency}`;
    const rollout = props.rollout ?? {};
    const wait = rollout.wait ?? Duration.minutes(5);
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: props.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      deploymentConfig: instance
        ? {
            blueGreenUpdatePolicy: {
              trafficRoutingConfiguration: {
                type: 'CANARY',
                canarySize: { type: 'CAPACITY_PERCENT', value: rollout.canaryPercent ?? 10 },
                waitIntervalInSeconds: wait.toSeconds(),
              },
              terminationWaitInSeconds: 300,
              maximumExecutionTimeoutInSeconds: wait.toSeconds() + 3600,
            },
            autoRollbackConfiguration: {
              alarms: [{ alarmName: errorAlarmName }, { alarmName: latencyAlarmName }],
            },
          }
        : undefined,
    });
    this.endpointName = endpoint.attrEndpointName;
    this.endpointArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      resourceName: this.endpointName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmName: errorAlarmName,
      alarmDescription: `${props.modelName}: the endpoint answers with 5xx errors`,
      metric: this.metric5xxErrors(),
      threshold: props.errorThreshold ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyAlarm', {
      alarmName: latencyAlarmName,
      alarmDescription: `${props.modelName}: p99 model latency above ${(props.latencyThreshold ?? Duration.seconds(1)).toMilliseconds()} ms`,
      metric: this.metricModelLatency(),
      threshold: (props.latencyThreshold ?? Duration.seconds(1)).toMilliseconds() * 1000, // ModelLatency is in microseconds
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.alarmAction) {
      for (const alarm of [this.errorAlarm, this.latencyAlarm]) alarm.addAlarmAction(props.alarmAction);
    }

    const autoscaling = variant instanceof InstanceVariant ? variant.options.autoscaling : undefined;
    if (asyncOptions) this.scaleToZero(asyncOptions);
    if (autoscaling) {
      const scaling = autoscaling;
      const target = this.scalableTarget(scaling.minInstances, scaling.maxInstances);
      target.scaleToTrackMetric('InvocationsPerInstance', {
        predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
        targetValue: scaling.targetInvocationsPerInstance,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
    }
  }
  /** The variant's instance count, scaled by Application Auto Scaling's service-linked role. */
  private scalableTarget(minCapacity: number, maxCapacity: number): appscaling.ScalableTarget {
    const stack = Stack.of(this);
    return new appscaling.ScalableTarget(this, 'Scaling', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      // Application Auto Scaling's own service-linked role for SageMaker endpoints (created on first use).
      role: iam.Role.fromRoleArn(
        this,
        'ScalingRole',
        stack.formatArn({
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName:
            'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
        }),
      ),
      resourceId: `endpoint/${this.endpointName}/variant/${this.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity,
      maxCapacity,
    });
  }

  /**
   * Asynchronous inference: output and failures under the model's prefix (data key), success and
   * error topics that only the endpoint's role may publish to, and the role's reads of the input.
   */
  private asyncInference(
    props: ModelEndpointProps,
    layout: ModelLayout,
    options: AsyncVariantOptions,
  ): {
    config: sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty;
    resources: AsyncEndpointResources;
  } {
    const { dataStore } = props;
    const bucket = dataStore.monitoringBucket.bucketName;
    const topic = (id: string, what: string) => {
      const t = new sns.Topic(this, id, {
        masterKey: dataStore.encryptionKey,
        enforceSSL: true,
        displayName: `${props.modelName}: asynchronous requests ${what}`,
      });
      // Publishing to an encrypted topic needs the key (SNS encrypts with a data key of it).
      iam.Grant.addToPrincipal({ grantee: this.role, actions: ['sns:Publish'], resourceArns: [t.topicArn] });
      dataStore.encryptionKey.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey');
      // SageMaker publishes as the endpoint's role: nobody else may.
      t.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PublishOnlyAsTheEndpointRole',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['sns:Publish'],
          resources: [t.topicArn],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.role.roleArn } },
        }),
      );
      return t;
    };
    const successTopic = topic('AsyncSuccess', 'answered');
    const errorTopic = topic('AsyncErrors', 'failed');
    dataStore.grantReadMonitoring(this.role, `${layout.asyncInputDir}/*`);
    dataStore.grantWriteMonitoring(this.role, `${layout.asyncOutputDir}/*`);
    dataStore.grantWriteMonitoring(this.role, `${layout.asyncFailureDir}/*`);
    const resources: AsyncEndpointResources = {
      inputS3Uri: `s3://${bucket}/${layout.asyncInputDir}`,
      outputS3Uri: `s3://${bucket}/${layout.asyncOutputDir}`,
      failureS3Uri: `s3://${bucket}/${layout.asyncFailureDir}`,
      successTopic,
      errorTopic,
    };
    const config = {
      clientConfig: {
        maxConcurrentInvocationsPerInstance: options.maxConcurrentInvocationsPerInstance ?? 4,
      },
      outputConfig: {
        s3OutputPath: resources.outputS3Uri,
        s3FailurePath: resources.failureS3Uri,
        kmsKeyId: dataStore.encryptionKey.keyArn,
        notificationConfig: {
          successTopic: successTopic.topicArn,
          errorTopic: errorTopic.topicArn,
        },
      },
    };
    return { config, resources };
  }

  /**
   * Scaling to zero, as AWS documents it for asynchronous endpoints: target tracking on the backlog
   * per instance (which scales in to none), and a step policy that adds an instance when requests
   * wait with none running (`HasBacklogWithoutCapacity`), which target tracking cannot see.
   */
  private scaleToZero(options: AsyncVariantOptions): void {
    const target = this.scalableTarget(0, options.maxInstances ?? 2);
    const endpointMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        dimensionsMap: { EndpointName: this.endpointName },
        statistic,
        period: Duration.minutes(1),
      });
    target.scaleToTrackMetric('BacklogPerInstance', {
      customMetric: endpointMetric('ApproximateBacklogSizePerInstance', 'Average'),
      targetValue: options.backlogPerInstance ?? 5,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    const fromZero = new appscaling.StepScalingAction(this, 'ScaleOutFromZero', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.AVERAGE,
      cooldown: Duration.minutes(5),
    });
    fromZero.addAdjustment({ lowerBound: 0, adjustment: 1 });
    const backlogAlarm = new cloudwatch.Alarm(this, 'BacklogWithoutCapacity', {
      alarmDescription: 'Requests wait and no instance runs: add one',
      metric: endpointMetric('HasBacklogWithoutCapacity', 'Average'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    backlogAlarm.addAlarmAction(new cwactions.ApplicationScalingAction(fromZero));
  }
}

/** The name of an endpoint's shadow variant (its capture goes under this name). */
export const SHADOW_VARIANT_NAME = 'Shadow';

function validate(path: string, props: ModelEndpointProps): void {
  const problems: string[] = [];
  if (!NAME.test(props.modelName))
    problems.push(`modelName '${props.modelName}' must be 1-18 lowercase letters, digits and -`);
  if (
    !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-z0-9-]+\/\d+$/.test(props.modelPackageArn)
  ) {
    problems.push(`modelPackageArn '${props.modelPackageArn}' is not a versioned model package ARN`);
  }
  if (props.endpointName !== undefined && !ENDPOINT_NAME.test(props.endpointName)) {
    problems.push(
      `endpointName '${props.endpointName}' must be 1-63 letters, digits and hyphens, starting with a letter or digit`,
    );
  }
  if (!SHA256_HEX.test(props.artifactFilesSha256)) {
    problems.push(
      `artifactFilesSha256 '${props.artifactFilesSha256}' is not a SHA-256 (64 lowercase hex digits)`,
    );
  }
  const capture = props.dataCapturePercent ?? 0;
  if (props.variant instanceof ServerlessVariant) {
    if (capture > 0) problems.push('dataCapturePercent: serverless endpoints support no data capture');
    if (props.rollout) problems.push('rollout: serverless endpoints support no blue/green rollout');
    const memory = props.variant.options.memorySize.toMebibytes();
    if (![1024, 2048, 3072, 4096, 5120, 6144].includes(memory))
      problems.push(`memorySize must be 1-6 GiB in whole GiB (got ${memory} MiB)`);
    const concurrency = props.variant.options.maxConcurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200)
      problems.push('maxConcurrency must be 1-200');
  }
  if (props.variant instanceof InstanceVariant) {
    const { initialInstanceCount = 1, autoscaling } = props.variant.options;
    if (!Number.isInteger(initialInstanceCount) || initialInstanceCount < 1)
      problems.push('initialInstanceCount must be a whole number >= 1');
    if (autoscaling) {
      if (autoscaling.minInstances < 1) problems.push('autoscaling.minInstances must be at least 1');
      if (autoscaling.minInstances > autoscaling.maxInstances) {
        problems.push(
          `autoscaling.minInstances (${autoscaling.minInstances}) must not be above maxInstances (${autoscaling.maxInstances})`,
        );
      }
    }
  }
  if (props.variant instanceof AsyncVariant) {
    const {
      initialInstanceCount = 1,
      maxInstances = 2,
      backlogPerInstance = 5,
      maxConcurrentInvocationsPerInstance = 4,
    } = props.variant.options;
    if (!Number.isInteger(maxInstances) || maxInstances < 1)
      problems.push('asynchronous maxInstances must be a whole number >= 1');
    if (
      !Number.isInteger(initialInstanceCount) ||
      initialInstanceCount < 1 ||
      initialInstanceCount > maxInstances
    )
      problems.push(
        `asynchronous initialInstanceCount must be a whole number 1-maxInstances (${maxInstances})`,
      );
    if (!(backlogPerInstance > 0)) problems.push('asynchronous backlogPerInstance must be above 0');
    if (
      !Number.isInteger(maxConcurrentInvocationsPerInstance) ||
      maxConcurrentInvocationsPerInstance < 1 ||
      maxConcurrentInvocationsPerInstance > 1000
    )
      problems.push('asynchronous maxConcurrentInvocationsPerInstance must be a whole number 1-1000');
  }
  if (props.shadow) {
    if (!(props.variant instanceof InstanceVariant)) {
      problems.push(
        `shadow: only real-time instance variants take a shadow variant (this one is ${props.variant.kind})`,
      );
    }
    if (
      !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-z0-9-]+\/\d+$/.test(
        props.shadow.modelPackageArn,
      )
    )
      problems.push(
        `shadow.modelPackageArn '${props.shadow.modelPackageArn}' is not a versioned model package ARN`,
      );
    if (props.shadow.modelPackageArn === props.modelPackageArn)
      problems.push('shadow.modelPackageArn is the served package: a shadow test compares another one');
    if (!SHA256_HEX.test(props.shadow.artifactFilesSha256))
      problems.push(
        `shadow.artifactFilesSha256 '${props.shadow.artifactFilesSha256}' is not a SHA-256 (64 lowercase hex digits)`,
      );
    const sampling = props.shadow.samplingPercent ?? 100;
    if (!Number.isInteger(sampling) || sampling < 1 || sampling > 100)
      problems.push('shadow.samplingPercent must be a whole number 1-100');
  }
  if (!Number.isInteger(capture) || capture < 0 || capture > 100)
    problems.push('dataCapturePercent must be a whole number 0-100');
  const canary = props.rollout?.canaryPercent ?? 10;
  if (canary < 1 || canary > 50) problems.push('rollout.canaryPercent must be 1-50');
  if (problems.length > 0)
    throw new Error(`Invalid ModelEndpoint props at ${path}:\n  - ${problems.join('\n  - ')}`);
}
