import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ModelLayout } from '../../common/model-layout';
import { eventRuleRole } from '../../common/service-principals';
import type { IMlDataStore } from '../../storage/ml-data-store';
import { latestDatasetInput } from '../training-pipeline-props';

export interface PipelineTriggerProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly layout: ModelLayout;
  readonly dataStore: IMlDataStore;
  /** Start on this schedule, on the newest version of the model's dataset. */
  readonly schedule?: events.Schedule;
  readonly scheduleEnabled: boolean;
  /** Start when a new version of the model's dataset is complete (its `latest.json` is written). */
  readonly startOnNewData: boolean;
}

/**
 * The rules that start a training pipeline on the newest version of the model's dataset: a
 * schedule, and a new version (`mlenv data push` writes `<model>/latest.json` once a version is
 * complete: one execution per version, whatever its number of files).
 */
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
          input: events.RuleTargetInput.fromObject(
            latestDatasetInput(props.dataStore.rawBucket, model, 'schedule'),
          ),
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
          object: { key: [layout.latestDatasetKey] },
        },
      },
      targets: [
        new targets.SfnStateMachine(stateMachine, {
          role,
          input: events.RuleTargetInput.fromObject(
            latestDatasetInput(props.dataStore.rawBucket, model, 'new-data'),
          ),
        }),
      ],
    });
  }
}
