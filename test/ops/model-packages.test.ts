import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryObjectStore } from '../../lib/ops/memory-object-store';
import { decideModelPackage, listModelPackages } from '../../lib/ops/model-packages';

const sagemaker = mockClient(SageMakerClient);
afterEach(() => sagemaker.reset());
const group = 'mlenv-staging-churn';
const arn = (v: number) => `arn:aws:sagemaker:eu-west-1:222222222222:model-package/${group}/${v}`;

test('lists packages newest first with the metrics of their evaluation report and their lineage', async () => {
  const store = new MemoryObjectStore();
  await store.put(
    's3://models/churn/runs/r2/evaluation/evaluation.json',
    JSON.stringify({
      binary_classification_metrics: { auc: { value: 0.97 }, confusion_matrix: { '0': { '0': 3 } } },
    }),
  );
  sagemaker.on(ListModelPackagesCommand).resolves({
    ModelPackageSummaryList: [1, 2].map((v) => ({ ModelPackageArn: arn(v) }) as never),
  });
  sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(1) }).resolves({
    ModelPackageVersion: 1,
    ModelApprovalStatus: 'Rejected',
    CustomerMetadataProperties: { datasetVersion: 'd1', codeVersion: 'c1', mlflowRunId: 'none' },
  });
  sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(2) }).resolves({
    ModelPackageVersion: 2,
    ModelApprovalStatus: 'PendingManualApproval',
    ModelMetrics: {
      ModelQuality: {
        Statistics: {
          ContentType: 'application/json',
          S3Uri: 's3://models/churn/runs/r2/evaluation/evaluation.json',
        },
      },
    },
    CustomerMetadataProperties: {
      datasetVersion: 'd2',
      codeVersion: 'c2',
      trigger: 'drift',
      executionArn: 'e2',
      mlflowRunId: '42b372e58cbb494093aa66dc0669cbab',
    },
  });
  const packages = await listModelPackages(sagemaker as never, store, group);
  // The MLflow run of a recorded training; `none` (nothing was recorded) is no run.
  expect(packages.map((p) => p.mlflowRunId)).toEqual(['42b372e58cbb494093aa66dc0669cbab', undefined]);
  expect(packages.map((p) => [p.version, p.status, p.metrics, p.datasetVersion])).toEqual([
    [2, 'PendingManualApproval', { auc: 0.97 }, 'd2'],
    [1, 'Rejected', {}, 'd1'],
  ]);
  expect(sagemaker.commandCalls(ListModelPackagesCommand)[0].args[0].input.ModelPackageGroupName).toBe(group);
});

test('approving records the reason; a package of another registry is refused', async () => {
  sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: arn(2) });
  await decideModelPackage(sagemaker as never, [group], arn(2), 'Approved', 'auc 0.97 on March data');
  expect(sagemaker.commandCalls(UpdateModelPackageCommand)[0].args[0].input).toEqual({
    ModelPackageArn: arn(2),
    ModelApprovalStatus: 'Approved',
    ApprovalDescription: 'auc 0.97 on March data',
  });
  const foreign = arn(2).replace(group, 'mlenv-prod-churn');
  await expect(decideModelPackage(sagemaker as never, [group], foreign, 'Rejected', 'x')).rejects.toThrow(
    "is not a package of this environment's registry",
  );
  await expect(decideModelPackage(sagemaker as never, [group], arn(2), 'Rejected', ' ')).rejects.toThrow(
    'a reason is required',
  );
  expect(sagemaker.commandCalls(UpdateModelPackageCommand)).toHaveLength(1);
});
