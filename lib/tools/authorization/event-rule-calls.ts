import { asList, asObject } from '../../../cfn/json-values';
import { parseArn } from '../calls/arns';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../calls/run-time-call';
import { servicePublishCalls } from './service-publish-calls';

/**
 * What EventBridge does for each target of a rule: publish to an SNS topic as
 * `events.amazonaws.com` (the rule as `aws:SourceArn`), or assume the target's role and, with it,
 * start a Step Functions execution.
 */
export function eventRuleCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  rule: DeployedResource,
): DerivedCalls {
  const { stage, path } = rule;
  const ruleArn = deployed.attribute(rule, 'Arn');
  const calls: RunTimeCall[] = [];
  const problems: string[] = [];
  for (const value of asList(rule.properties.Targets)) {
    const target = asObject(value) ?? {};
    const where = origin(path, `target ${String(target.Id)}`);
    const targetArn = String(target.Arn);
    const service = parseArn(targetArn)?.service;
    if (typeof target.RoleArn === 'string') {
      const role = target.RoleArn;
      calls.push({
        stage: stage.id,
        ...where,
        principal: 'events.amazonaws.com',
        action: 'sts:AssumeRole',
        resource: role,
        context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': stage.account },
      });
      if (service === 'states') {
        calls.push({
          stage: stage.id,
          ...where,
          principal: role,
          action: 'states:StartExecution',
          resource: targetArn,
        });
        continue;
      }
    } else if (service === 'sns') {
      calls.push(...servicePublishCalls(inventory, stage, where, 'events.amazonaws.com', targetArn, ruleArn));
      continue;
    }
    problems.push(
      `${stage.id}/${where.origin}: no model of a ${service} target${target.RoleArn ? ' with a role' : ''}`,
    );
  }
  return { calls, problems };
}
