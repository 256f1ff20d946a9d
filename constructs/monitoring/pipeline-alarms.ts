import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelLayout } from '../common/model-layout';
import { NotifyTopicTarget } from './topic-publishers';
import type { ITrainingPipeline } from '../training/training-pipeline-props';

/** Properties of `PipelineAlarms`. */
export interface PipelineAlarmsProps {
  readonly pipeline: ITrainingPipeline;
  /** What the alarms do. @default - nothing */
  readonly action?: cloudwatch.IAlarmAction;
  /** Where failed SageMaker jobs of the pipeline are reported. @default - not reported */
  readonly jobFailures?: sns.ITopic;
}

/**
 * Alarms on a training pipeline's failed, timed-out and aborted executions, and a rule that
 * reports each of its SageMaker training or processing jobs that fails.
 */
export class PipelineAlarms extends Construct {
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const machine = props.pipeline.stateMachine;
    const model = props.pipeline.modelName;
    const watched: Array<[string, cloudwatch.Metric]> = [
      ['Failed', machine.metricFailed()],
      ['TimedOut', machine.metricTimedOut()],
      ['Aborted', machine.metricAborted()],
    ];
    this.alarms = watched.map(
      ([what, metric]) =>
        new cloudwatch.Alarm(this, `Executions${what}`, {
          alarmDescription: `Training pipeline of ${model}: an execution ${what.toLowerCase()}`,
          metric: metric.with({ statistic: 'Sum', period: Duration.minutes(5) }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    if (props.action) for (const alarm of this.alarms) alarm.addAlarmAction(props.action);

    if (props.jobFailures) {
      const jobs: Array<[string, string, string]> = [
        ['Training', 'TrainingJobName', 'TrainingJobStatus'],
        ['Processing', 'ProcessingJobName', 'ProcessingJobStatus'],
      ];
      for (const [kind, nameField, statusField] of jobs) {
        new events.Rule(this, `${kind}JobFailed`, {
          description: `A ${kind.toLowerCase()} job of the ${model} pipeline failed`,
          eventPattern: {
            source: ['aws.sagemaker'],
            detailType: [`SageMaker ${kind} Job State Change`],
            detail: {
              [nameField]: [{ prefix: new ModelLayout(model).jobNamePrefix() }],
              [statusField]: ['Failed'],
            },
          },
          targets: [
            new NotifyTopicTarget(props.jobFailures, {
              message: events.RuleTargetInput.fromObject({
                result: `${kind.toLowerCase()} job failed`,
                model,
                job: events.EventField.fromPath(`$.detail.${nameField}`),
                reason: events.EventField.fromPath('$.detail.FailureReason'),
              }),
            }),
          ],
        });
      }
    }
  }
}
