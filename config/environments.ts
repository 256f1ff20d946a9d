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
      network: 'none',
      serving: {
        kind: 'instance', // a local stand-in serves it: the same endpoint, capture and drift path as production
        instanceType: 'ml.m5.large',
        initialInstanceCount: 1,
        autoscaling: { minInstances: 1, maxInstances: 1, targetInvocationsPerInstance: 100 },
        serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
        dataCapturePercent: 100,
        captureRetentionDays: 7,
        rollout: { canaryPercent: 10, waitMinutes: 5 },
        latencyAlarmMs: 2000,
        batch: {
          instanceType: 'ml.m5.large',
          instanceCount: 1,
          maxConcurrentTransforms: 1,
          maxPayloadMb: 6,
          maxRuntimeMinutes: 30,
          schedule: 'cron(0 2 * * ? *)',
        },
        // Asynchronous endpoints scale in to no instance when nothing is queued.
        async: { maxInstances: 1, backlogPerInstance: 5, maxConcurrentInvocationsPerInstance: 1 },
        shadow: { samplingPercent: 100 },
      },
      monitoring: {
        endpoint5xxPerMinute: 5,
        endpoint4xxRatePercent: 20,
        cpuPercent: 90,
        memoryPercent: 90,
        diskPercent: 90,
        driftSchedule: 'cron(0 * ? * * *)',
        retrainOnDrift: true,
        modelQuality: { schedule: 'cron(0 * ? * * *)', retrain: true },
        monthlyBudgetUsd: 50,
      },
      training: {
        instanceType: 'ml.m5.large',
        instanceCount: 1,
        processingInstanceType: 'ml.m5.large',
        maxRuntimeMinutes: 30,
        spot: { enabled: false, maxWaitMinutes: 60 },
        volumeSizeGb: 10,
        approvalStatus: 'Approved',
        schedule: { expression: 'rate(7 days)', enabled: false },
        // Trials of a tuned model's run; here they run one after another.
        tuning: { maxJobs: 3, maxParallelJobs: 1 },
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
      network: 'none',
      serving: {
        kind: 'serverless',
        instanceType: 'ml.m5.large',
        initialInstanceCount: 1,
        autoscaling: { minInstances: 1, maxInstances: 2, targetInvocationsPerInstance: 100 },
        serverless: { memorySizeMb: 2048, maxConcurrency: 10 },
        dataCapturePercent: 0,
        captureRetentionDays: 7,
        rollout: { canaryPercent: 10, waitMinutes: 5 },
        latencyAlarmMs: 1000,
        batch: {
          instanceType: 'ml.m5.large',
          instanceCount: 1,
          maxConcurrentTransforms: 1,
          maxPayloadMb: 6,
          maxRuntimeMinutes: 60,
          schedule: 'cron(0 2 * * ? *)',
        },
        // Asynchronous endpoints scale in to no instance when nothing is queued.
        async: { maxInstances: 1, backlogPerInstance: 5, maxConcurrentInvocationsPerInstance: 2 },
        shadow: { samplingPercent: 100 },
      },
      monitoring: {
        endpoint5xxPerMinute: 5,
        endpoint4xxRatePercent: 10,
        cpuPercent: 90,
        memoryPercent: 90,
        diskPercent: 90,
        driftSchedule: 'cron(0 * ? * * *)',
        retrainOnDrift: true,
        modelQuality: { schedule: 'cron(0 * ? * * *)', retrain: true },
        monthlyBudgetUsd: 300,
      },
      training: {
        instanceType: 'ml.m5.large',
        instanceCount: 1,
        processingInstanceType: 'ml.m5.large',
        maxRuntimeMinutes: 60,
        spot: { enabled: true, maxWaitMinutes: 120 },
        volumeSizeGb: 30,
        approvalStatus: 'Approved',
        schedule: { expression: 'rate(7 days)', enabled: false },
        tuning: { maxJobs: 4, maxParallelJobs: 2 },
      },
      // A managed MLflow server bills every hour it exists, whether anyone trains or not: more than
      // dev's budget allows. Dev's runs are not recorded; experiment on the local environment's server.
      tracking: { server: 'none' },
    },
    staging: {
      account: '222222222222',
      region: 'eu-west-1',
      removalPolicy: 'retain',
      noncurrentVersionDays: 30,
      logRetentionDays: 90,
      alertEmails: ['ml-platform@example.com'],
      costCentre: 'ml-platform',
      network: 'vpc',
      serving: {
        kind: 'instance',
        instanceType: 'ml.m5.large',
        initialInstanceCount: 1,
        autoscaling: { minInstances: 1, maxInstances: 2, targetInvocationsPerInstance: 200 },
        serverless: { memorySizeMb: 2048, maxConcurrency: 10 },
        dataCapturePercent: 100,
        captureRetentionDays: 14,
        rollout: { canaryPercent: 25, waitMinutes: 5 },
        latencyAlarmMs: 500,
        batch: {
          instanceType: 'ml.m5.xlarge',
          instanceCount: 1,
          maxConcurrentTransforms: 2,
          maxPayloadMb: 6,
          maxRuntimeMinutes: 120,
          schedule: 'cron(0 2 * * ? *)',
        },
        // Asynchronous endpoints scale in to no instance when nothing is queued.
        async: { maxInstances: 2, backlogPerInstance: 5, maxConcurrentInvocationsPerInstance: 4 },
        shadow: { samplingPercent: 100 },
      },
      monitoring: {
        endpoint5xxPerMinute: 1,
        endpoint4xxRatePercent: 5,
        cpuPercent: 80,
        memoryPercent: 80,
        diskPercent: 80,
        driftSchedule: 'cron(0 * ? * * *)',
        retrainOnDrift: true,
        modelQuality: { schedule: 'cron(0 * ? * * *)', retrain: true },
        monthlyBudgetUsd: 800,
      },
      training: {
        instanceType: 'ml.m5.xlarge',
        instanceCount: 1,
        processingInstanceType: 'ml.m5.xlarge',
        maxRuntimeMinutes: 120,
        spot: { enabled: false, maxWaitMinutes: 240 },
        volumeSizeGb: 50,
        approvalStatus: 'PendingManualApproval',
        schedule: { expression: 'cron(0 3 ? * MON *)', enabled: true },
        tuning: { maxJobs: 10, maxParallelJobs: 2 },
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
      network: 'vpc',
      serving: {
        kind: 'instance',
        instanceType: 'ml.m5.large',
        initialInstanceCount: 2,
        autoscaling: { minInstances: 2, maxInstances: 6, targetInvocationsPerInstance: 200 },
        serverless: { memorySizeMb: 2048, maxConcurrency: 10 },
        dataCapturePercent: 20,
        captureRetentionDays: 30,
        rollout: { canaryPercent: 10, waitMinutes: 10 },
        latencyAlarmMs: 500,
        batch: {
          instanceType: 'ml.m5.xlarge',
          instanceCount: 2,
          maxConcurrentTransforms: 2,
          maxPayloadMb: 6,
          maxRuntimeMinutes: 120,
          schedule: 'cron(0 2 * * ? *)',
        },
        // Asynchronous endpoints scale in to no instance when nothing is queued.
        async: { maxInstances: 4, backlogPerInstance: 5, maxConcurrentInvocationsPerInstance: 4 },
        shadow: { samplingPercent: 100 },
      },
      monitoring: {
        endpoint5xxPerMinute: 1,
        endpoint4xxRatePercent: 5,
        cpuPercent: 75,
        memoryPercent: 75,
        diskPercent: 75,
        driftSchedule: 'cron(0 * ? * * *)',
        retrainOnDrift: false,
        modelQuality: { schedule: 'cron(0 * ? * * *)', retrain: false },
        monthlyBudgetUsd: 3000,
      },
      training: {
        instanceType: 'ml.m5.xlarge',
        // One: churn's scikit-learn training does not distribute; a second instance would be paid for and idle.
        instanceCount: 1,
        processingInstanceType: 'ml.m5.xlarge',
        maxRuntimeMinutes: 120,
        spot: { enabled: false, maxWaitMinutes: 240 },
        volumeSizeGb: 50,
        approvalStatus: 'PendingManualApproval',
        schedule: { expression: 'cron(0 3 ? * MON *)', enabled: true },
        tuning: { maxJobs: 20, maxParallelJobs: 4 },
      },
    },
  },
  // Models are promoted dev -> staging -> prod: each environment's registry and model artifacts are
  // readable by the next one's account only (local, in an emulator, is never part of it).
  promotion: ['dev', 'staging', 'prod'],
  // What merged to the branch is deployed dev -> staging -> (a person approves) -> prod, by the
  // Delivery stack's pipeline in the tooling account or by .github/workflows/deploy.yml (docs/guide/
  // accounts-and-delivery.md, "Delivery"). Placeholders again: set the real ones with -c mlenv:delivery:account=<id> and
  // -c mlenv:delivery:connectionArn=<arn>.
  delivery: {
    account: '444444444444',
    region: 'eu-west-1',
    source: {
      connectionArn:
        'arn:aws:codeconnections:eu-west-1:444444444444:connection/00000000-0000-4000-8000-000000000000',
      repository: 'example-org/mlenv',
      branch: 'main',
    },
    order: ['dev', 'staging', 'prod'],
    manualApproval: ['prod'],
    notificationEmails: ['ml-platform-delivery@example.com'],
  },
  models: [
    {
      // The reference workload of ml/: a binary classifier (scikit-learn gradient boosting).
      name: 'churn',
      framework: { name: 'sklearn', version: '1.2-1' },
      problemType: 'binary_classification',
      targetColumn: 'target',
      hyperparameters: { 'n-estimators': 100, 'max-depth': 3, 'learning-rate': 0.1 },
      // Each run tunes depth and learning rate (trials per environment: training.tuning).
      tuning: {
        objective: 'auc',
        strategy: 'Bayesian',
        ranges: {
          'max-depth': { type: 'integer', min: 2, max: 5 },
          'learning-rate': { type: 'continuous', min: 0.02, max: 0.3, scaling: 'Logarithmic' },
        },
      },
      qualityGate: { metric: 'auc', operator: '>=', threshold: 0.9 },
      // New raw versions go through ml/data/etl.py (Glue) and ml/data/dbt (Athena) before training.
      dataPipeline: {},
    },
    {
      // The second reference workload (ml/models/diabetes): XGBoost regression on scikit-learn's
      // bundled diabetes data (disease progression after a year; 442 rows, 10 features).
      name: 'diabetes',
      framework: { name: 'xgboost', version: '1.7-1' },
      problemType: 'regression',
      targetColumn: 'target',
      hyperparameters: { 'num-round': 200, 'max-depth': 2, eta: 0.05 },
      qualityGate: { metric: 'r2', operator: '>=', threshold: 0.3 },
      // Scored offline: a batch transform per new batch of inputs, no endpoint (docs/guide/batch.md).
      serving: { mode: 'batch' },
    },
    // mlenv model new adds new models above this line.
  ],
};
