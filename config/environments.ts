import type { MlEnvConfigInput } from './schema';

/**
 * The environments of this platform. Accounts here are placeholders: set real ones with CDK
 * context (`-c mlenv:account:prod=123456789012`, or in `cdk.context.json`) rather than committing them.
 *
 * Only knobs may differ between environments; `npm run parity` proves nothing else does.
 */
export const environments: MlEnvConfigInput = {
  project: 'mlenv',
  environments: {
    local: {
      account: '123456789012', // the account the local AWS emulator (moto) answers as
      region: 'us-east-1',
      removalPolicy: 'destroy',
      noncurrentVersionDays: 7,
      logRetentionDays: 7,
      alertEmails: [],
      costCentre: 'ml-platform',
    },
    dev: {
      account: '111111111111',
      region: 'eu-west-1',
      removalPolicy: 'destroy',
      noncurrentVersionDays: 7,
      logRetentionDays: 30,
      alertEmails: ['ml-platform-dev@example.com'],
      costCentre: 'ml-platform',
    },
    staging: {
      account: '222222222222',
      region: 'eu-west-1',
      removalPolicy: 'retain',
      noncurrentVersionDays: 30,
      logRetentionDays: 90,
      alertEmails: ['ml-platform@example.com'],
      costCentre: 'ml-platform',
    },
    prod: {
      account: '333333333333',
      region: 'eu-west-1',
      removalPolicy: 'retain',
      noncurrentVersionDays: 90,
      logRetentionDays: 365,
      alertEmails: ['ml-platform@example.com', 'ml-oncall@example.com'],
      costCentre: 'ml-platform',
    },
  },
};
