import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnvironmentConfig, loadConfig, platformConfig } from '../../config';
import { environments } from '../../config/environments';
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
    plan: planPromotion(config, model.name, from.name, to.name, options),
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
beforeAll(async () => {
  port = (await startEmulator({ stateDir })).port;
  for (const e of [first, second, third].filter(Boolean)) await cloud.deploy(e);
  ({ packageArn: approved, objects: objectsOfRun } = await cloud.train(first, model, RUN, 'Approved'));
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
  expect(pkg.CustomerMetadataProperties).toMatchObject({
    datasetVersion: 'd1',
    codeVersion: 'c1',
    executionArn: `exec-${RUN}`,
    promotedFrom: first.name,
    promotedFromPackage: approved,
    promotedBy: expect.stringMatching(/^arn:aws:(iam|sts)::/),
  });

  // The pin is what the target's synth accepts: its own registry, the copied baseline.
  const { deployments } = loadConfig(environments, {
    deploymentsDir: join(repo, 'deployments'),
  }).environments.find((e) => e.name === second.name)!;
  expect(deployments[model.name]).toMatchObject({
    modelPackageArn: run.target.arn,
    source: `promoted from ${first.name} ${approved}`,
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

test('an object of another run at the same key is never overwritten, and nothing is registered', async () => {
  if (!third) return; // a promotion order of two environments has no third to promote into
  const s3 = new S3Client(await asAccount(third));
  await s3.send(
    new PutObjectCommand({ Bucket: bucketOf(third, 'models'), Key: objectsOfRun.evaluation, Body: 'other' }),
  );
  await expect(promote(first, third, { force: true, reason: 'hotfix skips the queue' })).rejects.toThrow(
    `exists and is not a copy of s3://${bucketOf(first, 'models')}/${objectsOfRun.evaluation}`,
  );
  expect(await packagesOf(third)).toHaveLength(0);
});

test('promoting past an environment takes --force with a reason, which the package and the pin record', async () => {
  if (!third) return;
  expect(() => planPromotion(config, model.name, first.name, third.name)).toThrow(`skips ${second.name}`);
  await new S3Client(await asAccount(third)).send(
    new PutObjectCommand({
      Bucket: bucketOf(third, 'models'),
      Key: objectsOfRun.evaluation,
      Body: 'x',
      Metadata: { [COPIED_FROM]: `s3://${bucketOf(first, 'models')}/${objectsOfRun.evaluation}` },
    }),
  );
  const run = await promote(first, third, { force: true, reason: 'hotfix skips the queue' });
  const pkg = await new SageMakerClient(await asAccount(third)).send(
    new DescribeModelPackageCommand({ ModelPackageName: run.target.arn }),
  );
  expect(pkg.CustomerMetadataProperties).toMatchObject({
    promotedFrom: first.name,
    promotedPast: second.name,
    promotionReason: 'hotfix skips the queue',
  });
  expect(JSON.parse(readFileSync(pinFile(third), 'utf8'))[model.name].source).toBe(
    `promoted from ${first.name} ${approved} past ${second.name}`,
  );
});
