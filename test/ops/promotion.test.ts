import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bucketNamePrefix,
  type DataBucketKind,
  DISCOVERY_KEYS,
  discoveryParameterName,
  type EnvironmentConfig,
  groupNamePrefix,
  loadConfig,
  platformConfig,
} from '../../config';
import { environments } from '../../config/environments';
import { ModelLayout } from '../../constructs/common/model-layout';
import { dataStoreBucketName } from '../../constructs/storage/ml-data-store';
import { modelPackageGroupName } from '../../constructs/registry/model-registry';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { COPIED_FROM } from '../../lib/ops/object-copy';
import { planPromotion } from '../../lib/ops/promotion-plan';
import { runPromotion } from '../../lib/ops/promotion-run';
import { promotionRoleArn, type RoleCredentials } from '../../lib/ops/promotion-role';

/**
 * `mlenv promote` against the emulator: each environment of the promotion order in its own
 * account, seeded as its stacks publish it (buckets, registry, the CLI's parameters), the
 * promotion run as the target's promotion role, as the CLI runs it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const config = platformConfig();
const model = config.models[0];
const layout = new ModelLayout(model.name);
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-promotion-'));
const repo = mkdtempSync(join(tmpdir(), 'mlenv-promotion-repo-'));
const env = (name: string) => config.environments.find((e) => e.name === name)!;
const [first, second, third] = config.promotion.map(env);
let port: number;

/** Client configuration as `mlenv promote` builds it, pointed at the emulator. */
const clientConfig = (region: string, credentials?: RoleCredentials) => ({
  ...emulatorClientConfig(port, region),
  ...(credentials ? { credentials } : {}),
});

/** Credentials of `account` in the emulator (it answers assumed roles' calls in their account). */
async function asAccount(e: EnvironmentConfig) {
  const assumed = await new STSClient(clientConfig(e.region)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${e.account}:role/deployer`, RoleSessionName: 'seed' }),
  );
  const c = assumed.Credentials!;
  return clientConfig(e.region, {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  });
}

const names = (e: EnvironmentConfig) => ({ project: config.project, environment: e });
const bucketOf = (e: EnvironmentConfig, kind: string) =>
  dataStoreBucketName(bucketNamePrefix(names(e)), kind);
const groupOf = (e: EnvironmentConfig) => modelPackageGroupName(groupNamePrefix(names(e)), model.name);
const keyArnOf = (e: EnvironmentConfig) => `arn:aws:kms:${e.region}:${e.account}:key/data-key-of-${e.name}`;

/** An environment as its stacks leave it: buckets, its registry, the parameters the CLI reads. */
async function deploy(e: EnvironmentConfig): Promise<void> {
  const as = await asAccount(e);
  const s3 = new S3Client(as);
  for (const kind of ['raw', 'curated', 'models', 'monitoring'] as const) {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucketOf(e, kind),
        CreateBucketConfiguration: { LocationConstraint: e.region as never },
      }),
    );
  }
  await new SageMakerClient(as).send(
    new CreateModelPackageGroupCommand({ ModelPackageGroupName: groupOf(e) }),
  );
  const parameters: Record<string, string> = {
    ...Object.fromEntries(
      (['raw', 'curated', 'models', 'monitoring'] as DataBucketKind[]).map((k) => [
        DISCOVERY_KEYS.bucket(k),
        bucketOf(e, k),
      ]),
    ),
    [DISCOVERY_KEYS.dataKeyArn]: keyArnOf(e),
    [DISCOVERY_KEYS.alertTopicArn]: `arn:aws:sns:${e.region}:${e.account}:alerts`,
    ...Object.fromEntries(
      config.models.flatMap((m) => [
        [
          DISCOVERY_KEYS.pipelineArn(m.name),
          `arn:aws:states:${e.region}:${e.account}:stateMachine:${m.name}`,
        ],
        [DISCOVERY_KEYS.packageGroup(m.name), modelPackageGroupName(groupNamePrefix(names(e)), m.name)],
      ]),
    ),
    [DISCOVERY_KEYS.promotionSources]: JSON.stringify(
      Object.fromEntries(
        e.promotionSources.map((source) => [
          source.name,
          {
            account: source.account,
            region: source.region,
            partition: 'aws',
            modelsBucket: bucketOf(env(source.name), 'models'),
            groupNamePrefix: groupNamePrefix(names(env(source.name))),
          },
        ]),
      ),
    ),
  };
  const ssm = new SSMClient(as);
  for (const [key, value] of Object.entries(parameters)) {
    await ssm.send(
      new PutParameterCommand({ Name: discoveryParameterName(names(e), key), Value: value, Type: 'String' }),
    );
  }
}

const RUN = 'run-0001';
const objectsOfRun = {
  artifact: `${layout.runDir(RUN)}/train/output/model.tar.gz`,
  evaluation: layout.evaluationKey(RUN),
  statistics: layout.baselineKey(RUN, 'statistics.json'),
  constraints: layout.baselineKey(RUN, 'constraints.json'),
};

/** A run of the training pipeline in `e`: its objects, and the package it registers (as register-model.ts does). */
async function train(e: EnvironmentConfig, status: 'Approved' | 'PendingManualApproval'): Promise<string> {
  const as = await asAccount(e);
  const s3 = new S3Client(as);
  const bucket = bucketOf(e, 'models');
  for (const [name, key] of Object.entries(objectsOfRun)) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${name} of ${RUN} in ${e.name}` }));
  }
  const uri = (key: string) => `s3://${bucket}/${key}`;
  const created = await new SageMakerClient(as).send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: groupOf(e),
      ModelApprovalStatus: status,
      ModelPackageDescription: `${model.name} trained by execution ${RUN}`,
      InferenceSpecification: {
        Containers: [
          {
            Image: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
            ModelDataUrl: uri(objectsOfRun.artifact),
            Environment: { SAGEMAKER_PROGRAM: 'serve.py', SAGEMAKER_REGION: e.region },
          },
        ],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: { ContentType: 'application/json', S3Uri: uri(objectsOfRun.evaluation) },
        },
      },
      DriftCheckBaselines: {
        ModelDataQuality: {
          Statistics: { ContentType: 'application/json', S3Uri: uri(objectsOfRun.statistics) },
          Constraints: { ContentType: 'application/json', S3Uri: uri(objectsOfRun.constraints) },
        },
      },
      CustomerMetadataProperties: { datasetVersion: 'd1', codeVersion: 'c1', executionArn: `exec-${RUN}` },
    }),
  );
  return created.ModelPackageArn!;
}

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
  for (const e of config.promotion.map(env)) await deploy(e);
  approved = await train(first, 'Approved');
  pending = await train(first, 'PendingManualApproval'); // newer, not approved
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
      kms: keyArnOf(second),
    });
    expect(head.Metadata?.[COPIED_FROM]).toMatch(new RegExp(`^s3://${bucketOf(first, 'models')}/${key}`));
    const body = await s3.send(new GetObjectCommand({ Bucket: bucketOf(second, 'models'), Key: key }));
    expect(await body.Body!.transformToString()).toContain(`${RUN} in ${first.name}`);
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
