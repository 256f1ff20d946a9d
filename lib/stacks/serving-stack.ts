import { Annotations, Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import {
  COMPOSITE_ALARM_SUFFIX,
  DISCOVERY_KEYS,
  discoveryParameterName,
  DRIFT_SCHEDULE_SUFFIX,
  type EnvironmentConfig,
  type ModelConfig,
  modelResourceName,
} from '../../config';
import { acknowledgeControl } from '../compliance/acknowledge';
import { publishForCli } from './discovery-parameter';
import {
  DataQualityMonitor,
  EndpointAlarms,
  EndpointVariant,
  MlDashboard,
  MlDataStore,
  MlInstanceType,
  ModelEndpoint,
  NotifyTopicAlarmAction,
  type MlNetworkPlacement,
  type TrainingPipeline,
} from '../../constructs';
import { pascalCase } from '../../constructs/common/pascal-case';
import { dataStoreByName } from './data-store-by-name';
import { modelImage, monitorImage } from './model-images';
import { TRAINING_METRICS } from './training-stack';

export interface ServingStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly models: readonly ModelConfig[];
  readonly dataStore: MlDataStore;
  /** Where jobs and models run, when the environment has a VPC. */
  readonly network?: MlNetworkPlacement;
  /** Where the endpoints' alarms notify. */
  readonly alerts: sns.ITopic;
  /** The environment's training pipelines, for the dashboard. */
  readonly pipelines: Readonly<Record<string, TrainingPipeline>>;
}

/**
 * An endpoint per model that the environment pins in `deployments/<env>.json`. An unpinned model
 * gets none (and a note at synth), so the stack deploys before any model is approved.
 */
export class ServingStack extends Stack {
  public readonly endpoints: Record<string, ModelEndpoint> = {};
  /** The models the configuration lists that this environment does not serve. */
  public readonly unserved: readonly string[];

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const { environment } = props;
    const serving = environment.serving;
    const dataStore = dataStoreByName(this, props.dataStore);

    const dashboard = new MlDashboard(this, 'Dashboard', {
      dashboardName: `${props.project}-${environment.name}`,
    });
    for (const pipeline of Object.values(props.pipelines)) {
      dashboard.addPipeline(
        pipeline,
        TRAINING_METRICS.map((m) => m.name),
      );
    }
    dashboard.addDataCapture(dataStore.monitoringBucket);
    const unserved: string[] = [];
    for (const model of props.models) {
      const pin = environment.deployments[model.name];
      if (!pin) {
        unserved.push(model.name);
        continue;
      }
      const id = pascalCase(model.name);
      this.endpoints[model.name] = new ModelEndpoint(this, `${id}Endpoint`, {
        modelName: model.name,
        modelPackageArn: pin.modelPackageArn,
        dataStore,
        image: modelImage(model, environment),
        variant:
          serving.kind === 'instance'
            ? EndpointVariant.instances({
                instanceType: MlInstanceType.of(serving.instanceType),
                initialInstanceCount: serving.initialInstanceCount,
                autoscaling: serving.autoscaling,
              })
            : EndpointVariant.serverless({
                memorySize: Size.mebibytes(serving.serverless.memorySizeMb),
                maxConcurrency: serving.serverless.maxConcurrency,
              }),
        dataCapturePercent: serving.kind === 'instance' ? serving.dataCapturePercent : undefined,
        rollout:
          serving.kind === 'instance'
            ? {
                canaryPercent: serving.rollout.canaryPercent,
                wait: Duration.minutes(serving.rollout.waitMinutes),
              }
            : undefined,
        latencyThreshold: Duration.millis(serving.latencyAlarmMs),
        network: props.network,
        alarmNamePrefix: modelResourceName(props, model.name),
        errorThreshold: environment.monitoring.endpoint5xxPerMinute,
      });
      const alarms = new EndpointAlarms(this, `${id}Alarms`, {
        endpoint: this.endpoints[model.name],
        clientErrorRatePercent: environment.monitoring.endpoint4xxRatePercent,
        utilization: serving.kind === 'instance' ? environment.monitoring : undefined,
        action: new NotifyTopicAlarmAction(props.alerts),
        compositeAlarmName: modelResourceName(props, model.name, COMPOSITE_ALARM_SUFFIX),
      });
      const endpoint = this.endpoints[model.name];
      for (const alarm of [endpoint.errorAlarm, endpoint.latencyAlarm, ...alarms.components]) {
        acknowledgeControl(
          alarm,
          'CloudWatchAlarmAction',
          `Notifies through the composite alarm of ${model.name}, so one incident sends one message`,
        );
      }
      dashboard.addEndpoint(endpoint, model.name, serving.kind === 'instance');
      // Drift monitoring needs captured data: instance variants only (serverless captures none).
      if (serving.kind === 'instance' && serving.dataCapturePercent > 0) {
        const monitor = new DataQualityMonitor(this, `${id}DataQuality`, {
          endpoint,
          modelName: model.name,
          dataStore,
          baseline: pin.dataQualityBaseline,
          schedule: environment.monitoring.driftSchedule,
          scheduleName: modelResourceName(props, model.name, DRIFT_SCHEDULE_SUFFIX),
          alerts: props.alerts,
          retrain: environment.monitoring.retrainOnDrift
            ? { stateMachine: props.pipelines[model.name].stateMachine }
            : undefined,
          image: monitorImage(model, environment),
          network: props.network,
        });
        if (!pin.dataQualityBaseline) {
          Annotations.of(monitor).addWarningV2(
            'mlenv:noDriftBaseline',
            `deployments/${environment.name}.json pins ${model.name} without dataQualityBaseline: drift checks compute statistics but find no violations`,
          );
        }
      }
      if (serving.kind === 'serverless') {
        acknowledgeControl(
          this.endpoints[model.name].node.findChild('Config'),
          'SageMakerEndpointConfigurationKMSKeyConfigured',
          `${environment.name} serves serverless (the serving.kind knob): serverless endpoint configs take no KMS key`,
        );
      }
    }
    this.unserved = unserved;
    if (unserved.length > 0) {
      Annotations.of(this).addInfo(
        `${environment.name} serves no endpoint for: ${unserved.join(', ')} (no pin in deployments/${environment.name}.json)`,
      );
    }

    // What this environment serves, for people and the CLI; also keeps the stack non-empty.
    new ssm.StringParameter(this, 'ServedModels', {
      parameterName: discoveryParameterName(props, DISCOVERY_KEYS.pins),
      description: `Model packages served by ${environment.name}, from deployments/${environment.name}.json`,
      stringValue: JSON.stringify(environment.deployments),
    });
    for (const [model, endpoint] of Object.entries(this.endpoints)) {
      publishForCli(
        endpoint, // beside the endpoint: it exists where the endpoint does
        'NameForCli',
        props,
        DISCOVERY_KEYS.endpointName(model),
        endpoint.endpointName,
        `The endpoint of ${model}`,
      );
    }
  }
}
