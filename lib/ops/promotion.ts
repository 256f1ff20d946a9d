import {
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  ListModelPackagesCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { S3Client } from '@aws-sdk/client-s3';
import { deployCommand, type DeploymentPin } from '../../config';
import { ARTIFACT_METADATA, ModelLayout, SHA256_HEX } from '../../constructs';
import { parseS3Uri } from './s3-uri';
import type { EnvironmentDirectory } from './environment-directory';
import { copyObjectOnce } from './object-copy';
import type { PromotionPlan } from './promotion-plan';

type SageMakerSender = Pick<SageMakerClient, 'send'>;

/** The clients a promotion calls with (all with the target environment's promotion role). */
export interface PromotionClients {
  /** SageMaker in the source environment's region (its registry, read by ARN). */
  readonly sourceSagemaker: SageMakerSender;
  /** SageMaker in the target environment's region (its registry). */
  readonly sagemaker: SageMakerSender;
  /** S3 in the target environment's region (copies from the source bucket into its own). */
  readonly s3: Pick<S3Client, 'send'>;
}

export interface PromotionInput {
  readonly plan: PromotionPlan;
  /** What the target environment published (its models bucket and key, groups, sources). */
  readonly directory: EnvironmentDirectory;
  /** The source package; @default the newest approved package of the model in the source. */
  readonly packageArn?: string;
  /** Who promotes (the caller's identity, before assuming the promotion role). */
  readonly promotedBy: string;
  readonly now: Date;
}

/** What a promotion did. */
export interface PromotionResult {
  readonly source: { readonly arn: string; readonly version: number };
  readonly target: { readonly arn: string; readonly version: number; readonly registered: boolean };
  readonly objects: { readonly copied: number; readonly present: number };
  /** The pin the target environment's deployments file gets. */
  readonly pin: DeploymentPin;
}

/** The lineage key of a promoted package that names the package it is a copy of. */
export const PROMOTED_FROM_PACKAGE = 'promotedFromPackage';

/** The fields of a package that a promotion copies into the target registry. */
const COPIED_FIELDS = [
  'InferenceSpecification',
  'ModelMetrics',
  'DriftCheckBaselines',
  'MetadataProperties',
  'Domain',
  'Task',
] as const;

/**
 * Promotes an approved package: copies its objects (artifact, evaluation, baseline) into the
 * target's models bucket under the same keys (encrypted with the target's key; the artifact at the
 * version the package records, refused unless its bytes have the SHA-256 it records), registers it in
 * the target's group as `Approved` with the same metrics and lineage plus where it came from, and
 * returns the pin for the target's deployments file. Running it again registers nothing twice and
 * copies nothing twice.
 */
export async function promoteModel(
  clients: PromotionClients,
  input: PromotionInput,
): Promise<PromotionResult> {
  const { plan, directory } = input;
  const model = plan.model.name;
  const source = directory.promotionSources[plan.from.name];
  if (!source) {
    throw new Error(
      `${plan.to.name} publishes no promotion source ${plan.from.name}: deploy the current version of ${plan.to.name} (${deployCommand(plan.to)})`,
    );
  }
  const sourceGroupArn = source.packageGroupArns[model];
  const pkg = await sourcePackage(clients.sourceSagemaker, plan, sourceGroupArn, input.packageArn);
  const sourceArn = pkg.ModelPackageArn!;
  const runs = new ModelLayout(model).runDir(''); // `<model>/runs/`
  const targetBucket = directory.buckets.models;

  // Every object the package points at, in the source's models bucket under the model's runs.
  const objects = new Map<string, string>(); // source URI -> key
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith('s3://')) {
      const { bucket, key } = parseS3Uri(value);
      if (bucket !== source.modelsBucket || !key.startsWith(runs) || key.endsWith('/')) {
        throw new Error(
          `${sourceArn} points at ${value}, which a promotion cannot copy: only objects under s3://${source.modelsBucket}/${runs} are promoted`,
        );
      }
      objects.set(value, key);
      return `s3://${targetBucket}/${key}`;
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  const copied = Object.fromEntries(
    COPIED_FIELDS.filter((f) => pkg[f] !== undefined).map((f) => [f, rewrite(pkg[f])]),
  ) as Pick<CreateModelPackageCommandInput, (typeof COPIED_FIELDS)[number]>;
  for (const container of copied.InferenceSpecification?.Containers ?? []) {
    if (container.Environment?.SAGEMAKER_REGION) container.Environment.SAGEMAKER_REGION = plan.to.region;
  }
  // The target serves the copy on its own instance type, which the package must name to be deployed there.
  const inference = copied.InferenceSpecification;
  if (inference && plan.to.serving.kind === 'instance') {
    const types = inference.SupportedRealtimeInferenceInstanceTypes ?? [];
    const servedOn = plan.to.serving.instanceType as (typeof types)[number];
    if (!types.includes(servedOn)) inference.SupportedRealtimeInferenceInstanceTypes = [...types, servedOn];
  }
  // A batch-served model's transforms run on the target's batch type, which the package must name too.
  if (inference && plan.model.serving.mode === 'batch') {
    const types = inference.SupportedTransformInstanceTypes ?? [];
    const batchOn = plan.to.serving.batch.instanceType as (typeof types)[number];
    if (!types.includes(batchOn)) inference.SupportedTransformInstanceTypes = [...types, batchOn];
  }

  // The artifact is copied at the version the package records, and only with the bytes it records.
  const recorded = pkg.CustomerMetadataProperties ?? {};
  const artifactUri = pkg.InferenceSpecification?.Containers?.[0]?.ModelDataUrl;
  const pinned = {
    sha256: recorded[ARTIFACT_METADATA.sha256],
    filesSha256: recorded[ARTIFACT_METADATA.filesSha256],
    versionId: recorded[ARTIFACT_METADATA.versionId],
  };
  if (
    !artifactUri ||
    !pinned.sha256 ||
    !SHA256_HEX.test(pinned.sha256) ||
    !pinned.versionId ||
    !pinned.filesSha256
  ) {
    throw new Error(
      `${sourceArn} records no ${ARTIFACT_METADATA.sha256}, ${ARTIFACT_METADATA.filesSha256} and ${ARTIFACT_METADATA.versionId} of its artifact: its bytes cannot be checked, so it is not promoted (train it again to register a package that records them)`,
    );
  }

  const counts = { copied: 0, present: 0 };
  let targetVersionId = '';
  for (const [uri, key] of objects) {
    const isArtifact = uri === artifactUri;
    const copy = await copyObjectOnce(
      clients.s3,
      {
        bucket: source.modelsBucket,
        key,
        ...(isArtifact ? { versionId: pinned.versionId, sha256: pinned.sha256 } : {}),
      },
      { bucket: targetBucket, key },
      directory.dataKeyArn,
    ).catch((error: Error) => {
      throw new Error(`copying ${uri}: ${error.message}`, { cause: error });
    });
    if (isArtifact) targetVersionId = copy.versionId;
    counts[copy.outcome]++;
  }

  const marker = `(promoted from ${sourceArn})`;
  const targetGroup = directory.models[model].packageGroup;
  const existing = await findPromoted(clients.sagemaker, targetGroup, marker);
  let target = existing;
  if (!target) {
    const created = await clients.sagemaker.send(
      new CreateModelPackageCommand({
        ...copied,
        ModelPackageGroupName: targetGroup,
        ModelPackageDescription:
          `${model} v${pkg.ModelPackageVersion} of ${plan.from.name}, promoted by ${input.promotedBy} ${marker}`.slice(
            -1024,
          ),
        ModelApprovalStatus: 'Approved',
        CustomerMetadataProperties: {
          ...promotionMetadata(pkg, plan, input, sourceArn),
          // The copy's own version, in the target's bucket.
          [ARTIFACT_METADATA.versionId]: targetVersionId,
        },
      }),
    );
    target = created.ModelPackageArn!;
  }
  const baseline = copied.DriftCheckBaselines?.ModelDataQuality;
  return {
    source: { arn: sourceArn, version: pkg.ModelPackageVersion ?? versionOf(sourceArn) },
    target: { arn: target, version: versionOf(target), registered: !existing },
    objects: counts,
    pin: {
      modelPackageArn: target,
      approvedBy: input.promotedBy,
      approvedAt: input.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      source: `promoted from ${plan.from.name} ${sourceArn}`,
      artifactFilesSha256: pinned.filesSha256,
      ...(baseline?.Statistics?.S3Uri && baseline.Constraints?.S3Uri
        ? {
            dataQualityBaseline: {
              statisticsS3Uri: baseline.Statistics.S3Uri,
              constraintsS3Uri: baseline.Constraints.S3Uri,
            },
          }
        : {}),
    },
  };
}

/** The package to promote: the one named (of the source's group, approved), or the newest approved one. */
async function sourcePackage(
  sagemaker: SageMakerSender,
  plan: PromotionPlan,
  groupArn: string,
  packageArn?: string,
): Promise<DescribeModelPackageCommandOutput> {
  const { from, model } = plan;
  const group = groupArn.split('/').at(-1)!;
  let arn = packageArn;
  if (arn) {
    const named = /^arn:[^:]+:sagemaker:([^:]+):(\d{12}):model-package\/([^/]+)\/\d+$/.exec(arn);
    if (!named || named[1] !== from.region || named[2] !== from.account || named[3] !== group) {
      throw new Error(
        `${arn} is not a package of ${model.name} in ${from.name} (expected arn:...:sagemaker:${from.region}:${from.account}:model-package/${group}/<version>)`,
      );
    }
  } else {
    const newest = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: groupArn,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      }),
    );
    arn = newest.ModelPackageSummaryList?.[0]?.ModelPackageArn;
    if (!arn) {
      throw new Error(
        `${from.name} has no approved package of ${model.name}: approve one first (mlenv approve ${from.name} <package-arn> --reason <why>)`,
      );
    }
  }
  const pkg = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  if (pkg.ModelApprovalStatus !== 'Approved') {
    throw new Error(
      `${arn} is ${pkg.ModelApprovalStatus ?? 'not approved'} in ${from.name}: only an approved package is promoted (mlenv approve ${from.name} ${arn} --reason <why>)`,
    );
  }
  return { ...pkg, ModelPackageArn: pkg.ModelPackageArn ?? arn };
}

/** The package of `group` promoted from the package that `marker` names, if there is one. */
async function findPromoted(
  sagemaker: SageMakerSender,
  group: string,
  marker: string,
): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: group, NextToken: token }),
    );
    const found = page.ModelPackageSummaryList?.find((p) => p.ModelPackageDescription?.endsWith(marker));
    if (found) return found.ModelPackageArn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

/** The source's lineage, and where the package came from, who promoted it and when. */
function promotionMetadata(
  pkg: DescribeModelPackageCommandOutput,
  plan: PromotionPlan,
  input: PromotionInput,
  sourceArn: string,
): Record<string, string> {
  // SageMaker allows 256 characters per value.
  const clip = (value: string) => value.slice(0, 256);
  return {
    ...pkg.CustomerMetadataProperties,
    promotedFrom: plan.from.name,
    [PROMOTED_FROM_PACKAGE]: sourceArn,
    promotedBy: clip(input.promotedBy),
    promotedAt: input.now.toISOString(),
  };
}

function versionOf(arn: string): number {
  return Number(arn.split('/').at(-1));
}
