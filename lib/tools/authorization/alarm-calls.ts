import { asList } from '../../../cfn/json-values';
import { parseArn } from '../calls/arns';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../calls/run-time-call';
import { servicePublishCalls } from './service-publish-calls';

/** The properties of an alarm that list what it does when its state changes. */
export const ALARM_ACTION_PROPERTIES = ['AlarmActions', 'OKActions', 'InsufficientDataActions'] as const;

/**
 * What CloudWatch does for each action of an alarm or composite alarm: publish to an SNS topic as
 * `cloudwatch.amazonaws.com`, with the alarm (`arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`)
 * as `aws:SourceArn`.
 */
export function alarmCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  alarm: DeployedResource,
): DerivedCalls {
  const { stage, path } = alarm;
  const alarmArn = deployed.attribute(alarm, 'Arn');
  const calls: RunTimeCall[] = [];
  const problems: string[] = [];
  const scalingPolicies = new Set(
    deployed.ofType('AWS::ApplicationAutoScaling::ScalingPolicy', stage).map((p) => deployed.ref(p)),
  );
  for (const property of ALARM_ACTION_PROPERTIES) {
    for (const action of asList(alarm.properties[property]).map(String)) {
      const where = origin(path, property);
      if (parseArn(action)?.service === 'sns') {
        calls.push(
          ...servicePublishCalls(inventory, stage, where, 'cloudwatch.amazonaws.com', action, alarmArn),
        );
      } else if (scalingPolicies.has(action)) {
        // CloudWatch runs an Application Auto Scaling policy of the account (an asynchronous
        // endpoint's scale-out from zero), which scales as Application Auto Scaling's AWS-managed
        // service-linked role: no call of a role of the templates to check.
      } else {
        problems.push(`${stage.id}/${where.origin}: no model of the alarm action ${action}`);
      }
    }
  }
  return { calls, problems };
}
