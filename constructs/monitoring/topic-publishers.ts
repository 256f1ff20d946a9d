import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codestarnotifications from 'aws-cdk-lib/aws-codestarnotifications';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { servicePrincipalFor } from '../common/service-principals';

/** An AWS service that publishes to a topic on behalf of resources of the topic's account. */
interface Publisher {
  readonly sid: string;
  readonly service: string;
  /** The ARN pattern of the resources it publishes for (`aws:SourceArn`). */
  readonly sourceArn: (stack: Stack) => string;
  /**
   * Whether the key policy can require the source too. AWS documents that the KMS requests made
   * for EventBridge deliveries carry no `aws:SourceArn`/`aws:SourceAccount`, and documents Budgets'
   * key permissions without them; those statements are bound to this account's topics instead,
   * by the encryption context SNS gives its data keys (`aws:sns:topicArn`).
   */
  readonly keyConditioned: boolean;
}

const PUBLISHERS = {
  alarms: {
    sid: 'CloudWatchAlarmsPublish',
    service: 'cloudwatch.amazonaws.com',
    sourceArn: (stack) =>
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    keyConditioned: true,
  },
  eventRules: {
    sid: 'EventBridgeRulesPublish',
    service: 'events.amazonaws.com',
    sourceArn: (stack) => stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }),
    keyConditioned: false,
  },
  budgets: {
    sid: 'AwsBudgetsPublish',
    service: 'budgets.amazonaws.com',
    // Budgets is global: its ARNs have no region (arn:aws:budgets::<account>:budget/<name>).
    sourceArn: (stack) => `arn:${stack.partition}:budgets::${stack.account}:*`,
    keyConditioned: false,
  },
  notificationRules: {
    sid: 'CodeStarNotificationsPublish',
    service: 'codestar-notifications.amazonaws.com',
    sourceArn: (stack) =>
      stack.formatArn({ service: 'codestar-notifications', resource: 'notificationrule', resourceName: '*' }),
    // AWS documents the key permissions of notification rules without a source.
    keyConditioned: false,
  },
} satisfies Record<string, Publisher>;

/** The kinds of AWS resources that can be allowed to notify a topic. */
export type TopicPublisher = keyof typeof PUBLISHERS;

/**
 * Lets a kind of AWS resource of the topic's own account (and region) publish to `topic`: a
 * topic policy statement for the service principal, conditioned on `aws:SourceAccount` and
 * `aws:SourceArn`, and, for an encrypted topic, the key permissions the service needs.
 * Idempotent; does nothing for an imported topic (its policy is not this app's).
 */
export function allowTopicPublisher(topic: sns.ITopic, publisher: TopicPublisher): void {
  const { sid, service, sourceArn, keyConditioned } = PUBLISHERS[publisher];
  const stack = Stack.of(topic);
  const fromThisAccount = servicePrincipalFor(topic, service, [sourceArn(stack)]);
  // Identical statements (same Sid, same content) are written once.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [fromThisAccount],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
    }),
  );
  topic.masterKey?.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [keyConditioned ? fromThisAccount : new iam.ServicePrincipal(service)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'], // in a key policy, '*' is this key
      conditions: keyConditioned
        ? undefined
        : {
            StringLike: {
              'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({ service: 'sns', resource: '*' }),
            },
          },
    }),
  );
}

/** An alarm action that notifies `topic`, allowing CloudWatch alarms to publish to it (and use its key). */
export class NotifyTopicAlarmAction implements cloudwatch.IAlarmAction {
  constructor(private readonly topic: sns.ITopic) {}

  public bind(_scope: IConstruct, _alarm: cloudwatch.IAlarm): cloudwatch.AlarmActionConfig {
    allowTopicPublisher(this.topic, 'alarms');
    return { alarmActionArn: this.topic.topicArn };
  }
}

/**
 * An EventBridge rule target that publishes to `topic`, allowing the account's rules (and only
 * them) to publish. Unlike aws-events-targets' `SnsTopic`, the topic policy names the source.
 */
export class NotifyTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly props: { readonly message?: events.RuleTargetInput } = {},
  ) {}

  public bind(_rule: events.IRule, _id?: string): events.RuleTargetConfig {
    allowTopicPublisher(this.topic, 'eventRules');
    return { arn: this.topic.topicArn, input: this.props.message, targetResource: this.topic };
  }
}

/**
 * A notification rule target (pipeline events) that publishes to `topic`, allowing this account's
 * notification rules (and only them) to publish: SNS's own binding names no source.
 */
export class NotifyTopicRuleTarget implements codestarnotifications.INotificationRuleTarget {
  constructor(private readonly topic: sns.ITopic) {}

  public bindAsNotificationRuleTarget(
    _scope: IConstruct,
  ): codestarnotifications.NotificationRuleTargetConfig {
    allowTopicPublisher(this.topic, 'notificationRules');
    return { targetType: 'SNS', targetAddress: this.topic.topicArn };
  }
}
