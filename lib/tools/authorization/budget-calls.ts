import { asList, asObject } from '../../../cfn/json-values';
import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { origin, type RunTimeCall } from '../calls/run-time-call';
import { servicePublishCalls } from './service-publish-calls';

/**
 * What AWS Budgets does for each SNS subscriber of a budget's notifications: publish as
 * `budgets.amazonaws.com`, with the budget (`arn:<partition>:budgets::<account>:budget/<name>`) as
 * `aws:SourceArn`.
 */
export function budgetCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  budget: DeployedResource,
): RunTimeCall[] {
  const { stage, path } = budget;
  const budgetArn = `arn:${stage.partition}:budgets::${stage.account}:budget/${deployed.ref(budget)}`;
  const topics = asList(budget.properties.NotificationsWithSubscribers).flatMap((notification) =>
    asList(asObject(notification)?.Subscribers)
      .map((subscriber) => asObject(subscriber) ?? {})
      .filter((subscriber) => subscriber.SubscriptionType === 'SNS')
      .map((subscriber) => String(subscriber.Address)),
  );
  return [...new Set(topics)].flatMap((topic) =>
    servicePublishCalls(
      inventory,
      stage,
      origin(path, 'notification'),
      'budgets.amazonaws.com',
      topic,
      budgetArn,
    ),
  );
}
