import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type ModelApprovalStatus,
  type SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { ObjectStore } from './object-store';
import { readEvaluationMetrics } from './evaluation-metrics';
import { NO_RUN } from '../../constructs';
import { PROMOTED_FROM_PACKAGE } from './promotion';

/** A model package as `mlenv models` shows it. */
export interface PackageSummary {
  readonly arn: string;
  readonly version: number;
  readonly status: string;
  readonly created?: string;
  readonly approvalDescription?: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly datasetVersion?: string;
  readonly codeVersion?: string;
  readonly trigger?: string;
  readonly execution?: string;
  /** The MLflow run that recorded its training (`mlflowRunId`; absent when none was recorded). */
  readonly mlflowRunId?: string;
  /** The package it is a promotion of (in the environment before this one). */
  readonly promotedFrom?: string;
}

type SageMakerSender = Pick<SageMakerClient, 'send'>;

/** The packages of `group`, newest version first, with their metrics and lineage. */
export async function listModelPackages(
  sagemaker: SageMakerSender,
  store: Pick<ObjectStore, 'get'>,
  group: string,
): Promise<PackageSummary[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: group, NextToken: token }),
    );
    arns.push(...(page.ModelPackageSummaryList ?? []).map((p) => p.ModelPackageArn!));
    token = page.NextToken;
  } while (token);
  const packages = await Promise.all(
    arns.map(async (arn) => {
      const p = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
      const lineage = p.CustomerMetadataProperties ?? {};
      const report = p.ModelMetrics?.ModelQuality?.Statistics?.S3Uri;
      return {
        arn,
        version: p.ModelPackageVersion ?? Number(arn.split('/').at(-1)),
        status: p.ModelApprovalStatus ?? 'Unknown',
        created: p.CreationTime?.toISOString(),
        approvalDescription: p.ApprovalDescription,
        metrics: report ? await readEvaluationMetrics(store, report) : {},
        datasetVersion: lineage.datasetVersion,
        codeVersion: lineage.codeVersion,
        trigger: lineage.trigger,
        execution: lineage.executionArn,
        mlflowRunId: lineage.mlflowRunId && lineage.mlflowRunId !== NO_RUN ? lineage.mlflowRunId : undefined,
        promotedFrom: lineage[PROMOTED_FROM_PACKAGE],
      } satisfies PackageSummary;
    }),
  );
  return packages.sort((a, b) => b.version - a.version);
}

/**
 * Approves or rejects a package of one of `groups` (the environment's registry), recording who
 * decided why in its approval description. A package of another registry is refused.
 */
export async function decideModelPackage(
  sagemaker: SageMakerSender,
  groups: readonly string[],
  packageArn: string,
  status: Extract<ModelApprovalStatus, 'Approved' | 'Rejected'>,
  reason: string,
): Promise<PackageSummary['status']> {
  const group = /:model-package\/([^/]+)\/\d+$/.exec(packageArn)?.[1];
  if (!group || !groups.map((g) => g.toLowerCase()).includes(group.toLowerCase())) {
    throw new Error(
      `${packageArn} is not a package of this environment's registry (groups: ${groups.join(', ')})`,
    );
  }
  if (reason.trim() === '') throw new Error('a reason is required: --reason <text>');
  await sagemaker.send(
    new UpdateModelPackageCommand({
      ModelPackageArn: packageArn,
      ModelApprovalStatus: status,
      ApprovalDescription: reason.slice(0, 1024),
    }),
  );
  return status;
}
