import {
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  paginateListModelPackages,
} from '@aws-sdk/client-sagemaker';
import { type DeploymentPin, modelResourceName } from '../../config';
import { ARTIFACT_METADATA } from '../../constructs';
import type { StepRunner } from './emulator-up';
import type { LocalDeployment } from './local-deployment';

/** A registered model package, as far as serving it needs. */
export interface ServablePackage {
  readonly arn: string;
  readonly version: number;
  readonly modelDataUrl: string;
  readonly image: string;
  readonly baseline?: DeploymentPin['dataQualityBaseline'];
  /** What the package records of its artifact's files (the pin and the model carry it to serving). */
  readonly artifactFilesSha256: string;
}

/** The newest approved package of `model` in the local registry (highest version). */
export async function newestApprovedPackage(
  deployment: LocalDeployment,
  model: string,
): Promise<ServablePackage | undefined> {
  const group = modelResourceName({ project: deployment.config.project, environment: deployment.env }, model);
  let newest: { arn: string; version: number } | undefined;
  for await (const page of paginateListModelPackages(
    { client: deployment.clients.sagemaker },
    { ModelPackageGroupName: group, ModelApprovalStatus: 'Approved' },
  )) {
    for (const p of page.ModelPackageSummaryList ?? []) {
      const version = p.ModelPackageVersion ?? 0;
      if (!newest || version > newest.version) newest = { arn: p.ModelPackageArn!, version };
    }
  }
  if (!newest) return undefined;
  const described = await deployment.clients.sagemaker.send(
    new DescribeModelPackageCommand({ ModelPackageName: newest.arn }),
  );
  return servable(described, newest.version);
}

/** The package as serving needs it; refused without model data, image or artifact digest. */
export function servable(described: DescribeModelPackageCommandOutput, version: number): ServablePackage {
  const container = described.InferenceSpecification?.Containers?.[0];
  if (!container?.ModelDataUrl || !container.Image) {
    throw new Error(`${described.ModelPackageArn} has no model data or image to serve`);
  }
  const quality = described.DriftCheckBaselines?.ModelDataQuality;
  const artifactFilesSha256 = described.CustomerMetadataProperties?.[ARTIFACT_METADATA.filesSha256];
  if (!artifactFilesSha256) {
    throw new Error(
      `${described.ModelPackageArn} records no ${ARTIFACT_METADATA.filesSha256}: serving could not check its bytes; train it again`,
    );
  }
  return {
    artifactFilesSha256,
    arn: described.ModelPackageArn!,
    version,
    modelDataUrl: container.ModelDataUrl,
    image: container.Image,
    baseline:
      quality?.Statistics?.S3Uri && quality.Constraints?.S3Uri
        ? { statisticsS3Uri: quality.Statistics.S3Uri, constraintsS3Uri: quality.Constraints.S3Uri }
        : undefined,
  };
}

/** The step of `mlenv local serve` that finds what it serves: refused when nothing is approved. */
export async function findServablePackage(
  deployment: LocalDeployment,
  model: string,
  steps: StepRunner,
): Promise<ServablePackage> {
  return steps.step(`find the newest approved package of ${model}`, async () => {
    const found = await newestApprovedPackage(deployment, model);
    if (!found) {
      throw new Error(
        `no approved model package of ${model} in the local registry: train one with \`mlenv local train --model ${model}\``,
      );
    }
    steps.detail(found.arn);
    return found;
  });
}
