import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ModelLayout } from '../common/model-layout';
import { eventRuleRole } from '../common/service-principals';
import type { IMlDataStore } from '../storage/ml-data-store';

export interface PipelineTriggerProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly layout: ModelLayout;
  readonly dataStore: IMlDataStore;
  /** Start on this schedule, with the model's whole dataset prefix. */
  readonly schedule?: events.Schedule;
  readonly scheduleEnabled: boolean;
  /** Start when a `.csv` object lands under the model's dataset prefix. */
  readonly startOnNewData: boolean;
}

/** The rules that start a training pipeline: a schedule, and new data in the raw bucket. */
export function addPipelineTriggers(scope: Construct, props: PipelineTriggerProps): void {
  const { layout, stateMachine } = props;
  const model = layout.modelName;
  const raw = props.dataStore.rawBucket.bucketName;
  const role = props.schedule || props.startOnNewData ? eventRuleRole(scope, 'TriggerRole') : undefined;
  if (props.schedule) {
    new events.Rule(scope, 'Schedule', {
      description: `Retrains ${model} on a schedule`,
      schedule: props.schedule,
      enabled: props.scheduleEnabled,
      targets: [
        new targets.SfnStateMachine(stateMachine, {
          role,
          input: events.RuleTargetInput.fromObject({
            datasetS3Uri: `s3://${raw}/${layout.datasetPrefix}`,
            datasetVersion: 'latest',
            reason: 'schedule',
          }),
        }),
      ],
    });
  }
  if (props.startOnNewData) {
    new events.Rule(scope, 'NewData', {
      description: `Trains ${model} when a new dataset version lands in the raw bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [raw] },
          object: { key: [{ wildcard: `${layout.datasetPrefix}*.csv` }] },
        },
      },
      targets: [
        new targets.SfnStateMachine(stateMachine, {
          role,
          input: events.RuleTargetInput.fromObject({
            datasetS3Uri: `s3://${events.EventField.fromPath('$.detail.bucket.name')}/${events.EventField.fromPath('$.detail.object.key')}`,
            datasetVersion: events.EventField.fromPath('$.detail.object.version-id'),
            reason: 'new-data',
          }),
        }),
      ],
    });
  }
}
