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
      training: {
        instanceType: 'ml.m5.large',
        instanceCount: 1,
        processingInstanceType: 'ml.m5.large',
        maxRuntimeMinutes: 30,
        spot: { enabled: false, maxWaitMinutes: 60 },
        volumeSizeGb: 10,
        approvalStatus: 'Approved',
        schedule: { expression: 'rate(7 days)', enabled: false },
      },
    },
    dev: {
      account: '111111111111',
      region: 'eu-west-1',
      removalPolicy: 'destroy',
      noncurrentVersionDays: 7,
      logRetentionDays: 30,
      alertEmails: ['ml-platform-dev@example.com'],
      costCentre: 'ml-platform',
      training: {
        instanceType: 'ml.m5.large',
        instanceCount: 1,
        processingInstanceType: 'ml.m5.large',
        maxRuntimeMinutes: 60,
        spot: { enabled: true, maxWaitMinutes: 120 },
        volumeSizeGb: 30,
        approvalStatus: 'Approved',
        schedule: { expression: 'rate(7 days)', enabled: false },
      },
    },
    staging: {
      account: '222222222222',
      region: 'eu-west-1',
      removalPolicy: 'retain',
      noncurrentVersionDays: 30,
      logRetentionDays: 90,
      alertEmails: ['ml-platform@example.com'],
      costCentre: 'ml-platform',
      training: {
        instanceType: 'ml.m5.xlarge',
        instanceCount: 1,
        processingInstanceType: 'ml.m5.xlarge',
        maxRuntimeMinutes: 120,
        spot: { enabled: false, maxWaitMinutes: 240 },
        volumeSizeGb: 50,
        approvalStatus: 'PendingManualApproval',
        schedule: { expression: 'cron(0 3 ? * MON *)', enabled: true },
      },
    },
    prod: {
      account: '333333333333',
      region: 'eu-west-1',
      removalPolicy: 'retain',
      noncurrentVersionDays: 90,
      logRetentionDays: 365,
      alertEmails: ['ml-platform@example.com', 'ml-oncall@example.com'],
      costCentre: 'ml-platform',
      training: {
        instanceType: 'ml.m5.xlarge',
        instanceCount: 2,
        processingInstanceType: 'ml.m5.xlarge',
        maxRuntimeMinutes: 120,
        spot: { enabled: false, maxWaitMinutes: 240 },
        volumeSizeGb: 50,
        approvalStatus: 'PendingManualApproval',
        schedule: { expression: 'cron(0 3 ? * MON *)', enabled: true },
      },
    },
  },
  models: [
    {
      // The reference workload of ml/: a binary classifier (scikit-learn gradient boosting).
      name: 'churn',
      framework: { name: 'sklearn', version: '1.2-1' },
      problemType: 'binary_classification',
      targetColumn: 'target',
      hyperparameters: { 'n-estimators': 100, 'max-depth': 3, 'learning-rate': 0.1 },
      qualityGate: { metric: 'auc', operator: '>=', threshold: 0.9 },
    },
  ],
};
