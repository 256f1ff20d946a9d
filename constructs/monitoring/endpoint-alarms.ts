import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { type IModelEndpoint, ModelEndpoint } from '../serving/model-endpoint';

/** Utilization thresholds of an instance variant, in percent. */
export interface UtilizationThresholds {
  /** Summed over the instance's cores, so it can exceed 100. */
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly diskPercent: number;
}

/** Properties of `EndpointAlarms`. */
export interface EndpointAlarmsProps {
  readonly endpoint: IModelEndpoint;
  /**
   * The endpoint's own alarms, to include in the composite alarm.
   * @default - a `ModelEndpoint`'s 5xx and latency (rollback) alarms; none for an imported endpoint
   */
  readonly endpointAlarms?: cloudwatch.IAlarm[];
  /** Share of invocations answered with 4xx over 5 minutes that raises the client-error alarm. */
  readonly clientErrorRatePercent: number;
  /** Alarms on CPU, memory and disk; instance variants only. @default - no utilization alarms */
  readonly utilization?: UtilizationThresholds;
  /** What the composite alarm does when any alarm fires. @default - nothing */
  readonly action?: cloudwatch.IAlarmAction;
  /** Name of the composite alarm. @default - derived from the construct path */
  readonly compositeAlarmName?: string;
}

/**
 * Everything that can go wrong with an endpoint, in one composite alarm: the endpoint's own 5xx
 * and latency alarms (which also roll deployments back), the 4xx rate, and the utilization of
 * instance variants. Only the composite alarm acts, so one incident sends one notification.
 */
export class EndpointAlarms extends Construct {
  public readonly clientErrorAlarm: cloudwatch.Alarm;
  public readonly utilizationAlarms: cloudwatch.Alarm[] = [];
  public readonly composite: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: EndpointAlarmsProps) {
    super(scope, id);
    const { endpoint } = props;
    const endpointAlarms =
      props.endpointAlarms ??
      (endpoint instanceof ModelEndpoint ? [endpoint.errorAlarm, endpoint.latencyAlarm] : []);
    const dimensionsMap = { EndpointName: endpoint.endpointName, VariantName: endpoint.variantName };

    this.clientErrorAlarm = new cloudwatch.Alarm(this, 'ClientErrorRate', {
      alarmDescription: `Share of ${endpoint.node.path} invocations answered with 4xx, in percent`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          errors: new cloudwatch.Metric({
            namespace: 'AWS/SageMaker',
            metricName: 'Invocation4XXErrors',
            dimensionsMap,
            statistic: 'Sum',
          }),
          invocations: endpoint.metricInvocations(),
        },
        period: Duration.minutes(5),
        label: '4xx rate (%)',
      }),
      threshold: props.clientErrorRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.utilization) {
      const thresholds: Array<[string, number]> = [
        ['CPUUtilization', props.utilization.cpuPercent],
        ['MemoryUtilization', props.utilization.memoryPercent],
        ['DiskUtilization', props.utilization.diskPercent],
      ];
      for (const [metricName, threshold] of thresholds) {
        this.utilizationAlarms.push(
          new cloudwatch.Alarm(this, metricName, {
            alarmDescription: `${metricName} of ${endpoint.node.path} instances above ${threshold} %`,
            metric: new cloudwatch.Metric({
              namespace: '/aws/sagemaker/Endpoints',
              metricName,
              dimensionsMap,
              statistic: 'Average',
              period: Duration.minutes(5),
            }),
            threshold,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 3,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        );
      }
    }

    this.composite = new cloudwatch.CompositeAlarm(this, 'Composite', {
      compositeAlarmName: props.compositeAlarmName,
      alarmDescription: `Something is wrong with endpoint ${endpoint.node.path}`,
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...[...endpointAlarms, this.clientErrorAlarm, ...this.utilizationAlarms].map((a) =>
          cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM),
        ),
      ),
    });
    if (props.action) this.composite.addAlarmAction(props.action);
  }

  /** The component alarms: they act only through the composite alarm. */
  public get components(): cloudwatch.Alarm[] {
    return [this.clientErrorAlarm, ...this.utilizationAlarms];
  }
}
