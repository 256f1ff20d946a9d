import {
  CopyObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateModelPackageCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../config';
import { environments } from '../../config/environments';
import type { EnvironmentDirectory } from '../../lib/ops/environment-directory';
import { promoteModel } from '../../lib/ops/promotion';
import { planPromotion } from '../../lib/ops/promotion-plan';

/** The requests of one promotion, with the registries and buckets answered by mocks. */
const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
afterEach(() => [sagemaker, s3].forEach((c) => c.reset()));

// The target in another region than the source: what a package names by region must follow it.
// (Without the delivery section: the pipeline delivers within its own region only.)
const input = structuredClone(environments) as any;
delete input.delivery;
const [fromName, toName] = input.promotion as string[];
input.environments[toName].region =
  input.environments[fromName].region === 'eu-central-1' ? 'eu-west-1' : 'eu-central-1';
const config = loadConfig(input);
const plan = planPromotion(config, config.models[0].name, fromName, toName);
const model = plan.model.name;
const sourceBucket = 'source-models';
const sourceArn = `arn:aws:sagemaker:${plan.from.region}:${plan.from.account}:model-package/g-${fromName}-${model}/7`;
const directory: EnvironmentDirectory = {
  environment: toName,
  buckets: { raw: 'raw', curated: 'curated', models: 'target-models', monitoring: 'monitoring' },
  dataKeyArn: 'arn:aws:kms:target-key',
  alertTopicArn: 'arn:aws:sns:topic',
  models: Object.fromEntries(
    config.models.map((m) => [m.name, { pipelineArn: 'p', packageGroup: `g-${toName}-${m.name}` }]),
  ),
  pins: {},
  promotionSources: {
    [fromName]: {
      modelsBucket: sourceBucket,
      packageGroupArns: {
        [model]: `arn:aws:sagemaker:${plan.from.region}:${plan.from.account}:model-package-group/g-${fromName}-${model}`,
      },
    },
  },
};
/**
 * A PutObject answer that reads the body first, as S3 does: the promotion streams a temporary file
 * that it removes once the put resolves (an unread stream would open it after that).
 */
const storedAs = (versionId: string) => async (input: { Body?: unknown }) => {
  if (input.Body instanceof Readable) for await (const _chunk of input.Body) void _chunk;
  return { VersionId: versionId };
};
/** The target's empty group and bucket, the artifact's bytes, and puts that store them. */
function answerTheRest(): void {
  sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
  sagemaker
    .on(CreateModelPackageCommand)
    .resolves({ ModelPackageArn: `arn:aws:sagemaker:x:1:model-package/g/1` });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: Readable.from([Buffer.from(ARTIFACT)]) as never, // the Node stream the SDK returns
    ContentLength: ARTIFACT.length,
  }));
  s3.on(PutObjectCommand).callsFake(storedAs('target-v1'));
}
const clients = { sourceSagemaker: sagemaker as never, sagemaker: sagemaker as never, s3: s3 as never };
const ARTIFACT = 'the evaluated model.tar.gz';
const described = (artifact: string) => ({
  ModelPackageArn: sourceArn,
  ModelPackageVersion: 7,
  ModelApprovalStatus: 'Approved' as const,
  CustomerMetadataProperties: {
    artifactSha256: createHash('sha256').update(ARTIFACT).digest('hex'),
    artifactFilesSha256: 'f'.repeat(64),
    artifactVersionId: 'v1',
  },
  InferenceSpecification: {
    Containers: [
      { Image: 'img', ModelDataUrl: artifact, Environment: { SAGEMAKER_REGION: plan.from.region } },
    ],
    SupportedContentTypes: ['text/csv'],
    SupportedResponseMIMETypes: ['text/csv'],
  },
});

test('registers the copy with the target region and bucket, as Approved, recording its source', async () => {
  sagemaker
    .on(DescribeModelPackageCommand)
    .resolves(described(`s3://${sourceBucket}/${model}/runs/r1/model.tar.gz`));
  answerTheRest();
  await promoteModel(clients, {
    plan,
    directory,
    packageArn: sourceArn,
    promotedBy: 'arn:aws:sts::1:assumed-role/admin/jane',
    now: new Date('2026-11-30T12:00:00Z'),
  });
  const request = sagemaker.commandCalls(CreateModelPackageCommand)[0].args[0].input;
  expect(request.ModelApprovalStatus).toBe('Approved');
  expect(request.InferenceSpecification?.Containers?.[0]).toMatchObject({
    ModelDataUrl: `s3://target-models/${model}/runs/r1/model.tar.gz`,
    Environment: { SAGEMAKER_REGION: plan.to.region },
  });
  expect(request.ModelPackageDescription).toMatch(/\(promoted from .*\/7\)$/);
  // The version the package records is read, and written where the bucket requires If-None-Match.
  expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({
    Bucket: sourceBucket,
    Key: `${model}/runs/r1/model.tar.gz`,
    VersionId: 'v1',
  });
  const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
  expect(put).toMatchObject({
    Bucket: 'target-models',
    Key: `${model}/runs/r1/model.tar.gz`,
    IfNoneMatch: '*',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: 'arn:aws:kms:target-key',
    Metadata: { 'mlenv-copied-from': `s3://${sourceBucket}/${model}/runs/r1/model.tar.gz?versionId=v1` },
  });
  expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  expect(request.CustomerMetadataProperties).toMatchObject({ artifactVersionId: 'target-v1' });
});

test("the copy names the target's serving instance type, which the source package may not (else the target cannot deploy it)", async () => {
  const source = described(`s3://${sourceBucket}/${model}/runs/r1/model.tar.gz`);
  const sourceTypes = ['ml.c5.large'] as const; // a type no configured environment serves on
  sagemaker.on(DescribeModelPackageCommand).resolves({
    ...source,
    InferenceSpecification: {
      ...source.InferenceSpecification,
      SupportedRealtimeInferenceInstanceTypes: [...sourceTypes],
    },
  });
  answerTheRest();
  await promoteModel(clients, {
    plan,
    directory,
    packageArn: sourceArn,
    promotedBy: 'jane',
    now: new Date(),
  });
  const request = sagemaker.commandCalls(CreateModelPackageCommand)[0].args[0].input;
  expect(request.InferenceSpecification?.SupportedRealtimeInferenceInstanceTypes).toEqual(
    plan.to.serving.kind === 'instance' ? [...sourceTypes, plan.to.serving.instanceType] : [...sourceTypes],
  );
});

test("a batch-served model's copy names the target's batch instance type for transforms", async () => {
  const source = described(`s3://${sourceBucket}/${model}/runs/r1/model.tar.gz`);
  sagemaker.on(DescribeModelPackageCommand).resolves({
    ...source,
    InferenceSpecification: {
      ...source.InferenceSpecification,
      SupportedTransformInstanceTypes: ['ml.c5.xlarge'],
    },
  });
  answerTheRest();
  const batchPlan = { ...plan, model: { ...plan.model, serving: { mode: 'batch' as const } } };
  await promoteModel(clients, {
    plan: batchPlan,
    directory,
    packageArn: sourceArn,
    promotedBy: 'jane',
    now: new Date(),
  });
  const request = sagemaker.commandCalls(CreateModelPackageCommand)[0].args[0].input;
  expect(request.InferenceSpecification?.SupportedTransformInstanceTypes).toEqual(
    plan.to.serving.batch.instanceType === 'ml.c5.xlarge'
      ? ['ml.c5.xlarge']
      : ['ml.c5.xlarge', plan.to.serving.batch.instanceType],
  );
});

test('a package pointing outside the source models bucket runs is refused before anything is copied', async () => {
  for (const outside of [
    `s3://elsewhere/${model}/runs/r1/model.tar.gz`,
    `s3://${sourceBucket}/other/model.tar.gz`,
  ]) {
    sagemaker.on(DescribeModelPackageCommand).resolves(described(outside));
    await expect(
      promoteModel(clients, { plan, directory, packageArn: sourceArn, promotedBy: 'me', now: new Date() }),
    ).rejects.toThrow(`points at ${outside}, which a promotion cannot copy`);
  }
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(sagemaker.commandCalls(CreateModelPackageCommand)).toHaveLength(0);
});
