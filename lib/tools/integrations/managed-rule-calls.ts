import type { DeployedStage } from '../calls/deployed-assembly';
import type { RunTimeCall } from '../calls/run-time-call';
import type { Caller } from '../calls/s3-object-calls';

/** A `.sync` task learns that its work ended from an EventBridge rule Step Functions manages (`rule`). */
export function managedRuleCalls(caller: Caller, stage: DeployedStage, rule: string): RunTimeCall[] {
  return ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
    ...caller,
    action,
    resource: `arn:${stage.partition}:events:${stage.region}:${stage.account}:rule/${rule}`,
  }));
}
