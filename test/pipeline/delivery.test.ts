import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { REPO_ROOT } from '../../config/repo-root';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { addDelivery } from '../../lib/platform/delivery/delivery';
import { AuthorizationModel } from '../../lib/tools/authorization';
import {
  deliveryPipelineCalls,
  deliveryPipelineDeniedCalls,
} from '../../lib/tools/authorization/delivery-pipeline-calls';
import { deployTargets } from '../../lib/platform/delivery/deploy-targets';
import { bucketNamePrefix } from '../../config';
import { dataStoreBucketName } from '../../constructs';
import { cleanlyAllowed, cleanlyDenied, checkAll, describeChecked } from '../support/checked-calls';
import { customizedSubject } from '../support/github-oidc-subjects';
import { platformAssembly } from '../support/platform';
import { readmeTestCommand } from '../docs/documents';

type Resource = { Type: string; Properties: any; DeletionPolicy?: string };
type Template = { Resources: Record<string, Resource> };

const { assembly, config } = platformAssembly();
const delivery = config.delivery!;
const targets = deployTargets(config);
const stacks = assembly.stacksRecursively;
const deliveryStack = stacks.find((s) => s.hierarchicalId === 'Delivery')!;
const template = deliveryStack.template as Template;
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const [[, pipeline]] = ofType(template, 'AWS::CodePipeline::Pipeline');
const pipelineStages = pipeline.Properties.Stages as Array<{
  Name: string;
  Actions: Array<{
    Name: string;
    ActionTypeId: { Category: string; Provider: string };
    RunOrder?: number;
    RoleArn?: unknown;
    Configuration?: any;
  }>;
}>;
/** The buildspec of the CodeBuild project an action runs. */
const buildSpecOf = (action: { Configuration?: any }): string => {
  const logicalId = action.Configuration.ProjectName.Ref as string;
  return template.Resources[logicalId].Properties.Source.BuildSpec as string;
};

test('the configuration delivers to at least one environment, none of them emulated', () => {
  expect(targets.length).toBeGreaterThan(0);
  expect(targets.map((t) => t.environment)).toEqual(delivery.order);
});

test('the Delivery stack sits beside the environment stages, in the tooling account, never inside a stage', () => {
  expect(deliveryStack).toBeDefined();
  expect([deliveryStack.environment.account, deliveryStack.environment.region]).toEqual([
    delivery.account,
    delivery.region,
  ]);
  for (const env of config.environments) {
    const inStage = stacks.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
    expect(inStage.length).toBeGreaterThan(0);
    for (const stack of inStage) {
      expect(ofType(stack.template as Template, 'AWS::CodePipeline::Pipeline')).toEqual([]);
    }
  }
});

test('the pipeline tests and synthesizes each commit, updates itself, then deploys the environments in the delivery order', () => {
  const names = pipelineStages.map((s) => s.Name);
  expect(names.slice(0, 3)).toEqual(['Source', 'Build', 'UpdatePipeline']);
  expect(names.filter((n) => targets.some((t) => t.stageId === n))).toEqual(targets.map((t) => t.stageId));
  expect(names.indexOf(targets[0].stageId)).toBeGreaterThan(names.indexOf('UpdatePipeline'));
  const source = pipelineStages[0].Actions[0];
  expect(source.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
  expect(source.Configuration).toMatchObject({
    ConnectionArn: delivery.source.connectionArn,
    FullRepositoryId: delivery.source.repository,
    BranchName: delivery.source.branch,
  });
  const synth = buildSpecOf(pipelineStages[1].Actions[0]);
  const commands = JSON.parse(synth).phases.build.commands as string[];
  expect(commands.indexOf(readmeTestCommand())).toBeGreaterThanOrEqual(0);
  expect(commands.findIndex((c) => c.startsWith('npx cdk synth'))).toBeGreaterThan(
    commands.indexOf(readmeTestCommand()),
  );
});

describe.each(targets)('the pipeline stage of $environment', (target) => {
  const stage = pipelineStages.find((s) => s.Name === target.stageId)!;
  const runOrder = (a: { RunOrder?: number }) => a.RunOrder ?? 1;
  const deploys = stage.Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
  const approvals = stage.Actions.filter((a) => a.ActionTypeId.Category === 'Approval');

  test('deploys every stack of the environment with the CDK bootstrap roles of its own account', () => {
    const stackNames = stacks
      .filter((s) => s.hierarchicalId.startsWith(`${target.stageId}/`))
      .map((s) => s.stackName)
      .sort();
    expect([...new Set(deploys.map((a) => a.Configuration.StackName))].sort()).toEqual(stackNames);
    for (const action of deploys) {
      expect(JSON.stringify(action.RoleArn)).toContain(
        `:iam::${target.account}:role/cdk-hnb659fds-deploy-role-${target.account}-${target.region}`,
      );
    }
  });

  test(
    target.manualApproval ? 'waits for a person before deploying' : 'deploys without waiting for a person',
    () => {
      if (!target.manualApproval) {
        expect(approvals).toEqual([]);
        return;
      }
      expect(approvals).toHaveLength(1);
      expect(runOrder(approvals[0])).toBeLessThan(Math.min(...deploys.map(runOrder)));
    },
  );

  test('then checks parity on the deployed assembly and smoke-tests every served model, as its check role', () => {
    const checks = stage.Actions.filter((a) => a.ActionTypeId.Provider === 'CodeBuild');
    expect(checks).toHaveLength(1);
    expect(runOrder(checks[0])).toBeGreaterThan(Math.max(...deploys.map(runOrder)));
    const commands = JSON.parse(buildSpecOf(checks[0])).phases.build.commands as string[];
    expect(commands).toContain('npm run parity -- --assembly cdk.out');
    const smoke = commands.find((c) => c.includes('mlenv smoke'));
    expect(smoke).toContain(`npx mlenv smoke ${target.environment} --served`);
    expect(commands.join('\n')).toContain(`role_arn = ${target.checkRoleArn}`);
  });
});

test('artifacts are encrypted with a rotated customer-managed key the target accounts may use, in a retained TLS-only bucket', () => {
  const store = pipeline.Properties.ArtifactStore;
  const keyId = store.EncryptionKey.Id['Fn::GetAtt'][0] as string;
  const key = template.Resources[keyId];
  expect(key.Properties.EnableKeyRotation).toBe(true);
  expect(key.DeletionPolicy).toBe('Retain');
  const keyPolicy = JSON.stringify(key.Properties.KeyPolicy);
  for (const target of targets) {
    expect(keyPolicy).toContain(
      `:iam::${target.account}:role/cdk-hnb659fds-deploy-role-${target.account}-${target.region}`,
    );
  }
  const bucketId = store.Location.Ref as string;
  const bucket = template.Resources[bucketId];
  expect(bucket.DeletionPolicy).toBe('Retain');
  expect(JSON.stringify(bucket.Properties.BucketEncryption)).toContain(keyId);
  expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  const [[, bucketPolicy]] = ofType(template, 'AWS::S3::BucketPolicy').filter(
    ([, p]) => p.Properties.Bucket.Ref === bucketId,
  );
  expect(bucketPolicy.Properties.PolicyDocument.Statement).toContainEqual(
    expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
  );
});

test('build logs are kept as configured, encrypted', () => {
  const groups = ofType(template, 'AWS::Logs::LogGroup');
  expect(groups).toHaveLength(1);
  const [[, group]] = groups;
  expect(group.Properties.RetentionInDays).toBe(delivery.logRetentionDays);
  expect(group.Properties.KmsKeyId).toBeDefined();
  expect(group.DeletionPolicy).toBe('Retain');
  for (const [, project] of ofType(template, 'AWS::CodeBuild::Project')) {
    expect(project.Properties.LogsConfig.CloudWatchLogs.GroupName).toEqual({
      Ref: Object.keys(Object.fromEntries(groups))[0],
    });
  }
});

test('failures and waiting approvals reach the configured addresses through an encrypted topic only this account’s rules and approvals publish to', () => {
  const [[topicId, topic]] = ofType(template, 'AWS::SNS::Topic');
  expect(topic.Properties.KmsMasterKeyId).toBeDefined();
  const endpoints = ofType(template, 'AWS::SNS::Subscription').map(([, s]) => s.Properties.Endpoint);
  expect(endpoints.sort()).toEqual([...delivery.notificationEmails].sort());
  const [[, rule]] = ofType(template, 'AWS::CodeStarNotifications::NotificationRule');
  expect(rule.Properties.EventTypeIds).toEqual(['codepipeline-pipeline-pipeline-execution-failed']);
  expect(rule.Properties.Targets).toEqual([{ TargetType: 'SNS', TargetAddress: { Ref: topicId } }]);
  const [[, topicPolicy]] = ofType(template, 'AWS::SNS::TopicPolicy');
  const publishers = (topicPolicy.Properties.PolicyDocument.Statement as any[]).filter(
    (s) => s.Principal?.Service,
  );
  expect(publishers.length).toBeGreaterThan(0);
  for (const statement of publishers) {
    expect(statement.Condition.StringEquals['aws:SourceAccount']).toBe(delivery.account);
  }
  // Approval actions name the same topic.
  for (const target of targets.filter((t) => t.manualApproval)) {
    const approval = pipelineStages
      .find((s) => s.Name === target.stageId)!
      .Actions.find((a) => a.ActionTypeId.Category === 'Approval')!;
    expect(approval.Configuration.NotificationArn).toEqual({ Ref: topicId });
  }
});

test('every service the delivery stacks trust is bound to the stack’s own account', () => {
  const deliveryStacks = stacks.filter(
    (s) => s.hierarchicalId === 'Delivery' || s.hierarchicalId.startsWith('DeliveryAccess'),
  );
  const trusts = deliveryStacks.flatMap((stack) =>
    ofType(stack.template as Template, 'AWS::IAM::Role').flatMap(([id, role]) =>
      (role.Properties.AssumeRolePolicyDocument.Statement as any[])
        .filter((statement) => statement.Principal.Service)
        .map((statement) => ({
          role: `${stack.hierarchicalId}/${id}`,
          account: statement.Condition?.StringEquals?.['aws:SourceAccount'] ?? 'none',
          expected: stack.environment.account,
        })),
    ),
  );
  expect(trusts.length).toBeGreaterThan(0);
  expect(trusts.filter((t) => t.account !== t.expected)).toEqual([]);
});

describe.each(targets)('delivery access to $environment', (target) => {
  const accessStack = stacks.find(
    (s) => s.hierarchicalId === `DeliveryAccess${target.stageId}/Roles`,
  ) as CloudFormationStackArtifact;
  const access = accessStack.template as Template;
  const roleNamed = (name: string) =>
    ofType(access, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === name)![1];

  test("lives in the environment's account and region", () => {
    expect([accessStack.environment.account, accessStack.environment.region]).toEqual([
      target.account,
      target.region,
    ]);
  });

  test("GitHub Actions may assume the deploy role only as deploy.yml's job of this repository, branch and environment", () => {
    // GitHub's documented subject under the repository's committed template (evaluated in test/delivery/github-oidc-trust.test.ts).
    const { include_claim_keys } = JSON.parse(
      readFileSync(join(REPO_ROOT, '.github', 'oidc-subject-claims.json'), 'utf8'),
    ) as { include_claim_keys: string[] };
    const subject = customizedSubject(
      {
        repository: delivery.source.repository,
        ref: `refs/heads/${delivery.source.branch}`,
        environment: target.environment,
        workflowPath: '.github/workflows/deploy.yml',
      },
      include_claim_keys,
    );
    const trust = roleNamed(target.githubDeployRoleName).Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(trust[0].Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': subject,
      },
    });
  });
});

describe('what the delivery roles may do, evaluated', () => {
  const authz = AuthorizationModel.fromAssembly(assembly);
  const endpointArn = (t: (typeof targets)[number]) =>
    `arn:aws:sagemaker:${t.region}:${t.account}:endpoint/some-endpoint`;
  const tags = (env: string) => ({
    'aws:ResourceTag/mlenv:project': config.project,
    'aws:ResourceTag/mlenv:environment': env,
  });

  test.each(targets)(
    'the pipeline checks of $environment assume its check role, and only theirs',
    async (target) => {
      const assume = (principal: string) =>
        authz.check({ principal, action: 'sts:AssumeRole', resource: target.checkRoleArn });
      expect((await assume(target.pipelineChecksRoleArn)).allowed).toBe(true);
      for (const other of targets.filter((t) => t !== target)) {
        expect((await assume(other.pipelineChecksRoleArn)).allowed).toBe(false);
      }
    },
  );

  test.each(targets)(
    'the check and deploy roles of $environment read its directory and invoke its endpoints, not another environment’s',
    async (target) => {
      const env = config.environments.find((e) => e.name === target.environment)!;
      const roles = [
        target.checkRoleArn,
        `arn:aws:iam::${target.account}:role/${target.githubDeployRoleName}`,
      ];
      for (const principal of roles) {
        const read = await authz.check({
          principal,
          action: 'ssm:GetParametersByPath',
          resource: `arn:aws:ssm:${env.region}:${env.account}:parameter/${config.project}/${env.name}`,
        });
        expect(read.allowed).toBe(true);
        const invoke = (environment: string) =>
          authz.check({
            principal,
            action: 'sagemaker:InvokeEndpoint',
            resource: endpointArn(target),
            context: tags(environment),
          });
        expect((await invoke(env.name)).allowed).toBe(true);
        expect((await invoke(`not-${env.name}`)).allowed).toBe(false);
      }
    },
  );

  test.each(targets)(
    'the check and deploy roles of $environment make the calls of an asynchronous smoke test, under the async prefixes only',
    async (target) => {
      // What `mlenv smoke <env> --served` calls for a model in mode `async` (lib/ops/async-endpoint-smoke.ts):
      // InvokeEndpointAsync (its own IAM action), the request put under <model>/async/input/, the answer
      // or failure looked up (listed, then read) under <model>/async/output|failures/.
      const env = config.environments.find((e) => e.name === target.environment)!;
      const bucket = dataStoreBucketName(
        bucketNamePrefix({ project: config.project, environment: env }),
        'monitoring',
      );
      const roles = [
        target.checkRoleArn,
        `arn:aws:iam::${target.account}:role/${target.githubDeployRoleName}`,
      ];
      for (const principal of roles) {
        for (const model of config.models.map((m) => m.name)) {
          const allowed = async (action: string, resource: string, context: Record<string, string> = {}) =>
            (await authz.check({ principal, action, resource, context })).allowed;
          expect(await allowed('sagemaker:InvokeEndpointAsync', endpointArn(target), tags(env.name))).toBe(
            true,
          );
          expect(
            await allowed('sagemaker:InvokeEndpointAsync', endpointArn(target), tags(`not-${env.name}`)),
          ).toBe(false);
          expect(
            await allowed('s3:PutObject', `arn:aws:s3:::${bucket}/${model}/async/input/smoke-1.csv`),
          ).toBe(true);
          for (const dir of ['output', 'failures']) {
            const key = `${model}/async/${dir}/x.out`;
            expect(await allowed('s3:GetObject', `arn:aws:s3:::${bucket}/${key}`)).toBe(true);
            expect(await allowed('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': key })).toBe(true);
          }
          // Not the model's captures, nor a write outside its input prefix, nor listing the bucket.
          expect(await allowed('s3:GetObject', `arn:aws:s3:::${bucket}/${model}/data-capture/x.jsonl`)).toBe(
            false,
          );
          expect(await allowed('s3:PutObject', `arn:aws:s3:::${bucket}/${model}/async/output/x.out`)).toBe(
            false,
          );
          expect(await allowed('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': `${model}/` })).toBe(
            false,
          );
        }
      }
    },
  );

  test.each(targets)(
    'the GitHub deploy role of $environment may assume the CDK bootstrap roles and nothing else',
    async (target) => {
      const principal = `arn:aws:iam::${target.account}:role/${target.githubDeployRoleName}`;
      for (const kind of ['deploy', 'file-publishing', 'image-publishing', 'lookup']) {
        const resource = `arn:aws:iam::${target.account}:role/cdk-hnb659fds-${kind}-role-${target.account}-${target.region}`;
        expect(
          (
            await authz.check({
              principal,
              action: 'sts:AssumeRole',
              resource,
              resourceAccount: target.account,
            })
          ).allowed,
        ).toBe(true);
      }
      const admin = `arn:aws:iam::${target.account}:role/OrganizationAccountAccessRole`;
      expect((await authz.check({ principal, action: 'sts:AssumeRole', resource: admin })).allowed).toBe(
        false,
      );
    },
  );
});

describe("the pipeline's own requests, evaluated", () => {
  const authz = AuthorizationModel.fromAssembly(assembly);
  const { deployed } = authz.inventory;
  const [pipelineResource] = deployed.ofType('AWS::CodePipeline::Pipeline');
  const { calls, problems } = deliveryPipelineCalls(deployed, authz.inventory, pipelineResource);
  const projects = deployed.ofType('AWS::CodeBuild::Project', pipelineResource.stage);

  test('are derived for every action of the pipeline', () => {
    expect(problems).toEqual([]);
    const started = new Set(calls.filter((c) => c.action === 'codebuild:StartBuild').map((c) => c.resource));
    expect(started.size).toBe(projects.length);
    // The source and every build that clones it use the connection, under its ARN's prefix.
    const prefix = delivery.source.connectionArn.split(':')[2];
    expect(calls.some((c) => c.action === `${prefix}:UseConnection`)).toBe(true);
    expect(calls.some((c) => c.principal === 'codestar-notifications.amazonaws.com')).toBe(true);
    expect(calls.filter((c) => c.action === 'sns:Publish' && c.origin.includes('Approve'))).toHaveLength(
      targets.filter((t) => t.manualApproval).length,
    );
  });

  test('are each allowed by the policies, keys and topic policies the stack writes', async () => {
    const denied: string[] = [];
    for (const call of calls) {
      const decision = await authz.check(call);
      if (!decision.allowed)
        denied.push(
          `${call.origin}: ${call.principal} ${call.action} ${call.resource}: ${decision.explanation}`,
        );
    }
    expect(denied).toEqual([]);
  });

  test('services take the pipeline’s roles only for this account’s pipeline and projects', async () => {
    const serviceAssumes = calls.filter(
      (c) => c.action === 'sts:AssumeRole' && c.principal.endsWith('.amazonaws.com'),
    );
    // The pipeline's role, and each project's.
    expect(serviceAssumes.length).toBe(1 + projects.length);
    for (const call of serviceAssumes) {
      const elsewhere = { ...call.context, 'aws:SourceAccount': '999999999999' };
      expect((await authz.check({ ...call, context: elsewhere })).allowed).toBe(false);
    }
  });

  test('use the connection for the configured repository, each request naming it', () => {
    const uses = calls.filter((c) => c.action.endsWith(':UseConnection'));
    expect(uses.length).toBeGreaterThan(0);
    const prefix = delivery.source.connectionArn.split(':')[2];
    for (const use of uses) {
      expect(use.context).toEqual({ [`${prefix}:FullRepositoryId`]: delivery.source.repository });
    }
  });

  describe('must be denied', () => {
    const denied = deliveryPipelineDeniedCalls(deployed, authz.inventory, pipelineResource, calls);
    /** The projects of the pipeline's actions in its stages named `names`, as deployed. */
    const projectsOf = (names: (stage: string) => boolean) =>
      (pipelineResource.properties as { Stages: typeof pipelineStages }).Stages.filter((s) => names(s.Name))
        .flatMap((s) => s.Actions.filter((a) => a.ActionTypeId.Provider === 'CodeBuild'))
        .map((a) => projects.find((p) => deployed.ref(p) === a.Configuration.ProjectName)!);
    const arnOf = (project: (typeof projects)[number]) =>
      `arn:aws:codebuild:${delivery.region}:${delivery.account}:project/${deployed.ref(project)}`;
    const [assetRole] = new Set(
      projectsOf((s) => s === 'Assets').map((p) => String(p.properties.ServiceRole)),
    );
    const selfMutation = projectsOf((s) => s === 'UpdatePipeline');
    const checkProjects = projectsOf((s) => targets.some((t) => t.stageId === s));

    test('the asset role starting, stopping or watching the self-mutation project or a check project', async () => {
      expect(assetRole).toBeDefined();
      expect([selfMutation.length, checkProjects.length]).toEqual([1, targets.length]);
      const requests = [...selfMutation, ...checkProjects].flatMap((project) =>
        ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'].map((action) => ({
          principal: assetRole,
          action,
          resource: arnOf(project),
        })),
      );
      // Each is among the model's must-deny cases, and denied.
      for (const request of requests) expect(denied).toContainEqual(expect.objectContaining(request));
      const checked = await checkAll(
        authz,
        denied.filter((c) => c.principal === assetRole),
      );
      expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
    });

    test('while the asset role still controls the builds of its own projects', async () => {
      const own = projectsOf((s) => s === 'Assets').map((project) => ({
        principal: assetRole,
        action: 'codebuild:StartBuild',
        resource: arnOf(project),
      }));
      const checked = await Promise.all(own.map(async (r) => (await authz.check(r)).allowed));
      expect(checked).toEqual(own.map(() => true));
    });

    test('any project’s role controlling the builds of a project that runs as another role', async () => {
      const checked = await checkAll(
        authz,
        denied.filter((c) => c.action.startsWith('codebuild:')),
      );
      expect(checked.length).toBeGreaterThan(0);
      expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
    });

    test('any role using the connection for another repository', async () => {
      const uses = calls.filter((c) => c.action.endsWith(':UseConnection'));
      const checked = await checkAll(
        authz,
        denied.filter((c) => c.action.endsWith(':UseConnection')),
      );
      // Two other repositories for each use: another of the owner, the same name of another owner.
      expect(checked.length).toBe(2 * uses.length);
      expect(checked.filter((c) => !cleanlyDenied(c)).map(describeChecked)).toEqual([]);
      const allowed = await checkAll(authz, uses);
      expect(allowed.filter((c) => !cleanlyAllowed(c)).map(describeChecked)).toEqual([]);
    });
  });

  test('and go no further: builds reach neither other projects nor the environments’ data', async () => {
    const [start] = calls.filter((c) => c.action === 'codebuild:StartBuild');
    const otherProject = start.resource.replace(/project\/.*$/, 'project/someone-elses-project');
    expect((await authz.check({ ...start, resource: otherProject })).allowed).toBe(false);
    const [read] = calls.filter((c) => c.action === 's3:GetObject');
    for (const env of config.environments) {
      const data = `arn:aws:s3:::${config.project}-${env.name}-${env.account}-${env.region}-raw/some/object`;
      expect((await authz.check({ ...read, resource: data })).allowed).toBe(false);
    }
  });
});

describe('the checks of the environments run on the delivery stacks at synth', () => {
  /** The platform's app with its delivery, and an unversioned bucket added to `where`. */
  function synthWithBucketIn(where: (d: NonNullable<ReturnType<typeof addDelivery>>) => Construct): string {
    const {
      app,
      config: built,
      stages,
    } = buildPlatformApp({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-delivery-')) });
    const added = addDelivery(app, built, stages)!;
    new s3.CfnBucket(where(added), 'Unversioned');
    try {
      app.synth();
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  }

  test('the policy pack fails synth on the Delivery stack', () => {
    const message = synthWithBucketIn((d) => d.pipeline);
    expect(message).toContain('MLENV-BUCKET-VERSIONING');
    expect(message).toContain('Delivery/Unversioned');
  });

  test.each(targets)('and on the access stack of $environment', (target) => {
    const message = synthWithBucketIn((d) =>
      d.access.find((a) => a.node.path.startsWith(`DeliveryAccess${target.stageId}/`))!,
    );
    expect(message).toContain('MLENV-BUCKET-VERSIONING');
    expect(message).toContain(`DeliveryAccess${target.stageId}/Roles/Unversioned`);
  });
});
