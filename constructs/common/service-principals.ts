import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';

/**
 * A service principal that may act only for resources of `scope`'s own account (and, when given,
 * only for resources matching `sourceArns`): the confused-deputy guard AWS recommends for trust
 * and resource policies. Use it as a role's `assumedBy`.
 */
export function servicePrincipalFor(
  scope: IConstruct,
  service: string,
  sourceArns?: readonly string[],
): iam.ServicePrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal(service, {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ...(sourceArns
        ? { ArnLike: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : [...sourceArns] } }
        : {}),
    },
  });
}

/**
 * SageMaker hosting (real-time, serverless, asynchronous inference), which assumes a model's
 * execution role with the literal `aws:SourceArn` `arn:<partition>:sagemaker:<region>:<account>:*`
 * (AWS's confused-deputy guide for SageMaker inference: "the asterisk ... does not stand for
 * wildcard", and a model's or endpoint's own ARN must not be used). StringEquals keeps that `*`
 * literal, so a training or processing job of the account cannot assume the role.
 */
export function sageMakerInferencePrincipal(scope: IConstruct): iam.ServicePrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('sagemaker.amazonaws.com', {
    conditions: {
      StringEquals: {
        'aws:SourceAccount': stack.account,
        'aws:SourceArn': sageMakerInferenceSourceArn(stack.partition, stack.region, stack.account),
      },
    },
  });
}

/** The `aws:SourceArn` SageMaker inference sends when it assumes a model's execution role. */
export function sageMakerInferenceSourceArn(partition: string, region: string, account: string): string {
  return `arn:${partition}:sagemaker:${region}:${account}:*`;
}

/** A role EventBridge rules of `scope`'s account (and region) may assume to reach their targets. */
export function eventRuleRole(scope: Construct, id: string): iam.Role {
  const stack = Stack.of(scope);
  return new iam.Role(scope, id, {
    assumedBy: servicePrincipalFor(scope, 'events.amazonaws.com', [
      stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }),
    ]),
  });
}
