import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MlflowTrackingServer, type MlflowTrackingServerProps } from '../../constructs';
import { dataStack } from './data-stack';

/**
 * A tracking server `acme-dev` on the data stack's store (`props` change it), with a role it lets
 * log runs (`recorder`) and one it lets read them (`reader`); the unit tests of the construct and
 * its cfn-lint check (platform tier: cfn-lint takes seconds) read the same stack.
 */
export function trackingServerStack(props: Partial<MlflowTrackingServerProps> = {}) {
  const { app, stack, dataStore } = dataStack();
  const server = new MlflowTrackingServer(stack, 'Tracking', {
    trackingServerName: 'acme-dev',
    dataStore,
    ...props,
  });
  const recorder = new iam.Role(stack, 'Recorder', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'recorder',
  });
  const reader = new iam.Role(stack, 'Reader', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'reader',
  });
  server.grantLogRuns(recorder);
  server.grantReadRuns(reader);
  return { app, stack, server, template: Template.fromStack(stack) };
}
