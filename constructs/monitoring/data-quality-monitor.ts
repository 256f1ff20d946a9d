import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
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
import { latestDatasetInput } from '../training/training-pipeline-props';

/** The data-quality baseline a model was trained with (its package's drift-check baselines). */
export interface DataQualityBaseline {
  readonly statisticsS3Uri: string;
  readonly constraintsS3Uri: string;
}

/** Properties of a `DataQualityMonitor`. */
export interface DataQualityMonitorProps {
  /** The endpoint whose captured data is checked; it must capture data. */
  readonly endpoint: IModelEndpoint;
  readonly modelName: string;
  /** Captured data is read from, and reports written to, the monitoring bucket; baselines are read from the models bucket. */
  readonly dataStore: IMlDataStore;
  /** @default - checks run without constraints: statistics only, no violations */
  readonly baseline?: DataQualityBaseline;
  /** An EventBridge cron expression (Model Monitor runs at most hourly). */
  readonly schedule: string;
  /** The monitoring schedule's name (unique per account and region). */
  readonly scheduleName: string;
  /** Told about every check that finds violations. */
  readonly alerts: sns.ITopic;
  /**
   * Start retraining on drift: the pipeline's state machine, started on the newest pushed version
   * of the model's dataset (`datasetVersion: "latest"`). @default - no retraining
   */
  readonly retrain?: {
    readonly stateMachine: sfn.IStateMachine;
    /**
     * @deprecated Ignored: retraining runs on the newest version of the model's dataset, which the
     * pipeline reads from `<model>/latest.json` in the data store's raw bucket.
     */
    readonly datasetS3Uri?: string;
  };
  /** @default FrameworkImage.modelMonitor() */
  readonly image?: FrameworkImage;
  /** @default MlInstanceType.of('ml.m5.large') */
  readonly instanceType?: MlInstanceType;
  /** @default Duration.minutes(50) (an hourly check must end within the hour) */
  readonly maxRuntime?: Duration;
  /** @default - SageMaker's own network (still isolated) */
  readonly network?: MlNetworkPlacement;
}

/**
 * Checks an endpoint's captured data against the model's training baseline on a schedule
 * (SageMaker Model Monitor data quality). A check that finds violations is published to the
 * alert topic and, when asked, starts the training pipeline with `reason: drift` on the newest
 * pushed version of the model's dataset.
 */
export class DataQualityMonitor extends Construct {
  public readonly schedule: sagemaker.CfnMonitoringSchedule;
  public readonly role: iam.Role;
  /** The rule that reacts to a check with violations. */
  public readonly violations: events.Rule;

  constructor(scope: Construct, id: string, props: DataQualityMonitorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { dataStore, modelName: model } = props;
    const layout = new ModelLayout(model);
    const image = (props.image ?? FrameworkImage.modelMonitor()).bind(this);

    this.role = new iam.Role(this, 'Role', {
      // Each check is a processing job the schedule starts (its own generated name): SageMaker's
      // documented source for processing jobs is the job's ARN.
      assumedBy: servicePrincipalFor(this, 'sagemaker.amazonaws.com', [
        stack.formatArn({ service: 'sagemaker', resource: 'processing-job', resourceName: '*' }),
      ]),
      description: `Data-quality checks of the ${model} endpoint`,
    });
    dataStore.grantReadModels(this.role, layout.allObjects); // the baseline
    dataStore.grantReadMonitoring(this.role, `${layout.dataCaptureDir}/*`);
    dataStore.grantWriteMonitoring(this.role, `${layout.dataQualityDir}/*`);
    grantSageMakerRuntime(this.role, {
      logGroups: ['/aws/sagemaker/ProcessingJobs'],
      metricNamespaces: ['aws/sagemaker/Endpoints/*'],
      images: [image],
    });
    if (props.network) grantNetworkInterfaces(this.role);

    const keyArn = dataStore.encryptionKey.keyArn;
    grantVolumeEncryption(this.role, keyArn);
    const definition = new sagemaker.CfnDataQualityJobDefinition(this, 'JobDefinition', {
      roleArn: this.role.roleArn,
      dataQualityAppSpecification: { imageUri: image.imageUri },
      dataQualityBaselineConfig: props.baseline && {
        constraintsResource: { s3Uri: props.baseline.constraintsS3Uri },
        statisticsResource: { s3Uri: props.baseline.statisticsS3Uri },
      },
      dataQualityJobInput: {
        endpointInput: {
          endpointName: props.endpoint.endpointName,
          localPath: '/opt/ml/processing/input/endpoint',
        },
      },
      dataQualityJobOutputConfig: {
        kmsKeyId: keyArn,
        monitoringOutputs: [
          {
            s3Output: {
              s3Uri: `s3://${dataStore.monitoringBucket.bucketName}/${layout.dataQualityDir}`,
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
      stoppingCondition: { maxRuntimeInSeconds: (props.maxRuntime ?? Duration.minutes(50)).toSeconds() },
    });
    definition.node.addDependency(this.role);

    this.schedule = new sagemaker.CfnMonitoringSchedule(this, 'Schedule', {
      monitoringScheduleName: props.scheduleName,
      monitoringScheduleConfig: {
        // The definition's name is generated (a changed definition is a new one); it ends its ARN.
        monitoringJobDefinitionName: Fn.select(1, Fn.split('/', definition.attrJobDefinitionArn)),
        monitoringType: 'DataQuality',
        scheduleConfig: { scheduleExpression: props.schedule },
      },
    });

    // A check is a processing job of the schedule; one that finds violations completes with an
    // exit message saying so.
    const scheduleArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'monitoring-schedule',
      resourceName: props.scheduleName,
    });
    this.violations = new events.Rule(this, 'Violations', {
      description: `Data drift: a data-quality check of ${model} found violations`,
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
          result: 'data drift',
          model,
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
            ...latestDatasetInput(dataStore.rawBucket, model, 'drift'),
            monitoringCheck: events.EventField.fromPath('$.detail.ProcessingJobName'),
          }),
        }),
      );
    }
  }
}
