import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnvironmentConfig, loadConfig, platformConfig } from '../../config';
import { environments } from '../../config/environments';
import { ARTIFACT_METADATA } from '../../constructs/common/artifact-integrity';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { COPIED_FROM } from '../../lib/ops/object-copy';
import { planPromotion } from '../../lib/ops/promotion-plan';
import { runPromotion } from '../../lib/ops/promotion-run';
import { promotionRoleArn } from '../../lib/ops/promotion-role';
import { EmulatedEnvironments } from '../support/emulated-environments';

/**
 * `mlenv promote` against the emulator: each environment of the promotion order in its own
 * account, deployed as far as the CLI sees it, the promotion run as the target's promotion role,
 * as the CLI runs it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const config = platformConfig();
const model = config.models[0];
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-promotion-'));
const repo = mkdtempSync(join(tmpdir(), 'mlenv-promotion-repo-'));
let port: number;
const cloud = new EmulatedEnvironments(config, () => port);
const { clientConfig } = cloud;
const [first, second, third] = config.promotion.map((name) => cloud.env(name));
const bucketOf = (e: EnvironmentConfig, kind: string) => cloud.bucketOf(e, kind);
const groupOf = (e: EnvironmentConfig) => cloud.groupOf(e, model.name);
const asAccount = (e: EnvironmentConfig) => cloud.as(e);
const RUN = 'run-0001';
let objectsOfRun: Record<string, string>;

const pinFile = (e: EnvironmentConfig) => join(repo, 'deployments', `${e.name}.json`);
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
const promote = (from: EnvironmentConfig, to: EnvironmentConfig, options: Record<string, unknown> = {}) =>
  runPromotion({
    config,
    plan: planPromotion(config, model.name, from.name, to.name),
    packageArn: options.package as string | undefined,
    clientConfig,
    pinFile: pinFile(to),
    now: new Date('2026-11-30T12:00:00Z'),
  });
const packagesOf = async (e: EnvironmentConfig) =>
  (
    await new SageMakerClient(await asAccount(e)).send(
      new ListModelPackagesCommand({ ModelPackageGroupName: groupOf(e) }),
    )
  ).ModelPackageSummaryList ?? [];

let approved: string;
let pending: string;
let artifactBytes: string;
beforeAll(async () => {
  port = (await startEmulator({ stateDir })).port;
  for (const e of [first, second, third].filter(Boolean)) await cloud.deploy(e);
  ({
    packageArn: approved,
    objects: objectsOfRun,
    artifact: artifactBytes,
  } = await cloud.train(first, model, RUN, 'Approved'));
  ({ packageArn: pending } = await cloud.train(first, model, RUN, 'PendingManualApproval')); // newer, not approved
  mkdirSync(join(repo, 'deployments'));
  git('init', '-q');
  writeFileSync(join(repo, 'deployments', '.keep'), '');
  git('add', '.');
  git('commit', '-qm', 'empty pins');
}, 120_000);
afterAll(async () => {
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

test('the newest approved package moves to the next environment: objects re-encrypted, registered with its lineage, pinned', async () => {
  const run = await promote(first, second);
  expect(run.roleArn).toBe(promotionRoleArn(config.project, second));
  expect(run.source).toEqual({ arn: approved, version: 1 });
  expect(run.target.registered).toBe(true);
  expect(run.objects).toEqual({ copied: Object.keys(objectsOfRun).length, present: 0 });

  const s3 = new S3Client(await asAccount(second));
  for (const key of Object.values(objectsOfRun)) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucketOf(second, 'models'), Key: key }));
    expect({ key, sse: head.ServerSideEncryption, kms: head.SSEKMSKeyId }).toEqual({
      key,
      sse: 'aws:kms',
      kms: cloud.keyArnOf(second),
    });
    expect(head.Metadata?.[COPIED_FROM]).toMatch(new RegExp(`^s3://${bucketOf(first, 'models')}/${key}`));
    const read = async (e: EnvironmentConfig) =>
      (
        await new S3Client(await asAccount(e)).send(
          new GetObjectCommand({ Bucket: bucketOf(e, 'models'), Key: key }),
        )
      ).Body!.transformToString();
    expect(await read(second)).toBe(await read(first));
  }

  const pkg = await new SageMakerClient(await asAccount(second)).send(
    new DescribeModelPackageCommand({ ModelPackageName: run.target.arn }),
  );
  const inTarget = (key: string) => `s3://${bucketOf(second, 'models')}/${key}`;
  expect(pkg.ModelApprovalStatus).toBe('Approved');
  expect(pkg.InferenceSpecification?.Containers?.[0]).toMatchObject({
    ModelDataUrl: inTarget(objectsOfRun.artifact),
    Environment: { SAGEMAKER_PROGRAM: 'serve.py', SAGEMAKER_REGION: second.region },
  });
  expect(pkg.ModelMetrics?.ModelQuality?.Statistics?.S3Uri).toBe(inTarget(objectsOfRun.evaluation));
  expect(pkg.DriftCheckBaselines?.ModelDataQuality?.Constraints?.S3Uri).toBe(
    inTarget(objectsOfRun.constraints),
  );
  const sourcePkg = await new SageMakerClient(await asAccount(first)).send(
    new DescribeModelPackageCommand({ ModelPackageName: approved }),
  );
  const recorded = sourcePkg.CustomerMetadataProperties!;
  const copiedArtifact = await new S3Client(await asAccount(second)).send(
    new HeadObjectCommand({ Bucket: bucketOf(second, 'models'), Key: objectsOfRun.artifact }),
  );
  expect(pkg.CustomerMetadataProperties).toMatchObject({
    datasetVersion: 'd1',
    codeVersion: 'c1',
    executionArn: `exec-${RUN}`,
    promotedFrom: first.name,
    promotedFromPackage: approved,
    promotedBy: expect.stringMatching(/^arn:aws:(iam|sts)::/),
    // The same bytes, at the version the copy has in the target's bucket.
    [ARTIFACT_METADATA.sha256]: createHash('sha256').update(artifactBytes).digest('hex'),
    [ARTIFACT_METADATA.filesSha256]: recorded[ARTIFACT_METADATA.filesSha256],
    [ARTIFACT_METADATA.versionId]: copiedArtifact.VersionId,
  });
  expect(copiedArtifact.VersionId).toMatch(/.+/);
  expect(copiedArtifact.VersionId).not.toBe('null');

  // The pin is what the target's synth accepts: its own registry, the copied baseline.
  const { deployments } = loadConfig(environments, {
    deploymentsDir: join(repo, 'deployments'),
  }).environments.find((e) => e.name === second.name)!;
  expect(deployments[model.name]).toMatchObject({
    modelPackageArn: run.target.arn,
    source: `promoted from ${first.name} ${approved}`,
    artifactFilesSha256: recorded[ARTIFACT_METADATA.filesSha256],
    dataQualityBaseline: {
      statisticsS3Uri: inTarget(objectsOfRun.statistics),
      constraintsS3Uri: inTarget(objectsOfRun.constraints),
    },
  });
});

test('an uncommitted pins file is refused before anything is called; run again once committed, nothing is done twice', async () => {
  await expect(promote(first, second)).rejects.toThrow(
    `deployments/${second.name}.json has uncommitted changes: commit or revert them first`,
  );
  git('add', '.');
  git('commit', '-qm', `promote ${model.name} to ${second.name}`);
  const before = await packagesOf(second);
  const again = await promote(first, second);
  expect(again.target.registered).toBe(false);
  expect(again.objects).toEqual({ copied: 0, present: Object.keys(objectsOfRun).length });
  expect(again.pinChanged).toBe(false);
  expect(await packagesOf(second)).toHaveLength(before.length);
  expect(git('status', '--porcelain').toString()).toBe('');
});

test('a package that is not approved, or not of the source environment, is refused', async () => {
  await expect(promote(first, second, { package: pending })).rejects.toThrow(
    `${pending} is PendingManualApproval in ${first.name}: only an approved package is promoted`,
  );
  const foreign = approved.replace(groupOf(first), groupOf(second));
  await expect(promote(first, second, { package: foreign })).rejects.toThrow(
    `is not a package of ${model.name} in ${first.name}`,
  );
});

const commitPins = () => {
  git('add', '.');
  git('commit', '-qm', 'pins', '--allow-empty');
};

test('an artifact replaced in the source after it was evaluated: the evaluated version is promoted, not the current bytes', async () => {
  commitPins();
  const run2 = await cloud.train(first, model, 'run-0002', 'Approved');
  const bucket = bucketOf(first, 'models');
  await new S3Client(await asAccount(first)).send(
    new PutObjectCommand({ Bucket: bucket, Key: run2.objects.artifact, Body: 'replaced bytes' }),
  );
  const run = await promote(first, second, { package: run2.packageArn });
  expect(run.target.registered).toBe(true);
  const copied = await new S3Client(await asAccount(second)).send(
    new GetObjectCommand({ Bucket: bucketOf(second, 'models'), Key: run2.objects.artifact }),
  );
  expect(await copied.Body!.transformToString()).toBe(run2.artifact);
  commitPins();
});

test('an artifact whose evaluated bytes are not the ones registered is refused in one line, and nothing is registered', async () => {
  const run3 = await cloud.train(first, model, 'run-0003', 'Approved', {
    replacedBeforeRegistration: 'other bytes',
  });
  const before = await packagesOf(second);
  const promoted = promote(first, second, { package: run3.packageArn });
  await expect(promoted).rejects.toThrow(
    new RegExp(
      `^copying s3://${bucketOf(first, 'models')}/${run3.objects.artifact}: s3://${bucketOf(first, 'models')}/${run3.objects.artifact} \\(version [^)]+\\) has SHA-256 ${createHash('sha256').update('other bytes').digest('hex')}, but the package records ${createHash('sha256').update(run3.artifact).digest('hex')}: its bytes changed after they were evaluated; nothing was copied$`,
    ),
  );
  expect(await packagesOf(second)).toHaveLength(before.length);
});

test('a package that records no hash of its artifact is refused', async () => {
  const { packageArn } = await cloud.train(first, model, 'run-0004', 'Approved');
  const sagemaker = new SageMakerClient(await asAccount(first));
  await sagemaker.send(
    new UpdateModelPackageCommand({
      ModelPackageArn: packageArn,
      CustomerMetadataPropertiesToRemove: [ARTIFACT_METADATA.sha256],
    }),
  );
  await expect(promote(first, second, { package: packageArn })).rejects.toThrow(
    `${packageArn} records no ${ARTIFACT_METADATA.sha256}, ${ARTIFACT_METADATA.filesSha256} and ${ARTIFACT_METADATA.versionId} of its artifact`,
  );
});

test('an object of another run at the same key is never overwritten, and nothing is registered', async () => {
  if (!third) return; // a promotion order of two environments has no third to promote into
  const s3 = new S3Client(await asAccount(third));
  await s3.send(
    new PutObjectCommand({ Bucket: bucketOf(third, 'models'), Key: objectsOfRun.evaluation, Body: 'other' }),
  );
  await expect(promote(second, third, { package: await promotedInto(second) })).rejects.toThrow(
    `exists and is not a copy of s3://${bucketOf(second, 'models')}/${objectsOfRun.evaluation}`,
  );
  expect(await packagesOf(third)).toHaveLength(0);
});

test('promoting past an environment is refused before anything is called', () => {
  if (!third) return;
  expect(() => planPromotion(config, model.name, first.name, third.name)).toThrow(
    `skips ${second.name} (order ${config.promotion.join(' -> ')}): ${first.name}'s registry is read only by ${second.name}'s promotion role; promote to ${second.name} first`,
  );
});

test('a copy in the target whose bytes changed is refused when it is promoted again', async () => {
  const s3 = new S3Client(await asAccount(second));
  await s3.send(
    new PutObjectCommand({
      Bucket: bucketOf(second, 'models'),
      Key: objectsOfRun.artifact,
      Body: 'changed in the target',
      Metadata: { [COPIED_FROM]: `s3://${bucketOf(first, 'models')}/${objectsOfRun.artifact}` },
    }),
  );
  await expect(promote(first, second, { package: approved })).rejects.toThrow(
    `s3://${bucketOf(second, 'models')}/${objectsOfRun.artifact} is a copy of s3://${bucketOf(first, 'models')}/${objectsOfRun.artifact} with SHA-256 ${createHash('sha256').update('changed in the target').digest('hex')}, not ${createHash('sha256').update(artifactBytes).digest('hex')} as the package records`,
  );
});

/** The package promoted into `env` from RUN (the first test's). */
async function promotedInto(env: EnvironmentConfig): Promise<string> {
  const found = (await packagesOf(env)).find((p) => p.ModelPackageDescription?.includes(approved));
  if (!found?.ModelPackageArn) throw new Error(`nothing was promoted into ${env.name} from ${approved}`);
  return found.ModelPackageArn;
}
