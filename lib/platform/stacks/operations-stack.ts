import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { DISCOVERY_KEYS, type EnvironmentConfig } from '../../../config';
import { CostBudget } from '../../../constructs';
import { publishForCli } from './discovery-parameter';

export interface OperationsStackProps extends StackProps {
  readonly project: string;
  readonly environment: EnvironmentConfig;
  readonly operationsKey: kms.IKey;
}

/**
 * How the environment tells people: the alert topic every alarm and pipeline notification uses,
 * and the monthly cost budget that reports to it.
 */
export class OperationsStack extends Stack {
  public readonly alerts: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    this.alerts = new sns.Topic(this, 'Alerts', { masterKey: props.operationsKey, enforceSSL: true });
    for (const email of props.environment.alertEmails) {
      this.alerts.addSubscription(new subscriptions.EmailSubscription(email));
    }
    publishForCli(
      this,
      'AlertTopicArn',
      props,
      DISCOVERY_KEYS.alertTopicArn,
      this.alerts.topicArn,
      'The alert topic',
    );
    new CostBudget(this, 'Budget', {
      monthlyLimitUsd: props.environment.monitoring.monthlyBudgetUsd,
      topic: this.alerts,
    });
  }
}
