import { EMULATED_ENVIRONMENTS, type EnvironmentConfig } from '../../config';
import { asList, asObject, type JsonObject } from '../../cfn/json-values';
import { stateMachineDefinition } from '../../cfn/undeployed-definitions';
import { taskStates } from '../../cfn/state-machine-tasks';
import {
  AuthorizationModel,
  confusedDeputyCalls,
  crossCatalogCalls,
  crossEnvironmentCalls,
  crossModelCalls,
  otherSourceCalls,
  packageIsolationCalls,
  promotionCalls,
  type RunTimeCall,
  type RunTimeCallEnumeration,
  untrustedAccountCalls,
} from '../../lib/tools/authorization';
import { type Checked, cleanlyAllowed, cleanlyDenied } from '../support/checked-calls';
import { pinnedPlatform } from './pinned-platform';

const platform = pinnedPlatform();
const { config, authz } = platform;
const modelNames = config.models.map((m) => m.name);
/** The local emulator answers as this account: a real account that belongs to someone else. */
const emulatorAccount = config.environments.find((e) => EMULATED_ENVIRONMENTS.includes(e.name))?.account;

let enumeration: RunTimeCallEnumeration;
/** Every check, by the kind of expectation: the calls must be allowed or denied. */
const checks: Record<string, Checked[]> = {};

beforeAll(async () => {
  enumeration = await platform.enumerate();
  const promotion = promotionCalls(
    authz.inventory,
    enumeration.registrations,
    platform.promotion,
    platform.promotionTargetOf,
  );
  const expectations: Record<string, readonly RunTimeCall[]> = {
    runTime: enumeration.calls,
    promotionReads: promotion.allowed,
    otherPromotionReads: promotion.denied,
    crossModel: [
      ...crossModelCalls(authz.inventory, enumeration.calls, modelNames),
      ...crossCatalogCalls(authz.inventory, enumeration.calls),
    ],
    crossEnvironment: crossEnvironmentCalls(authz.inventory, modelNames).filter(
      (call) => !promotionRead(call),
    ),
    emulatorAccount: emulatorAccount
      ? untrustedAccountCalls(authz.inventory, emulatorAccount, modelNames)
      : [],
    confusedDeputy: confusedDeputyCalls(authz.inventory, enumeration.calls),
    otherSource: otherSourceCalls(authz.inventory, enumeration.calls),
    packageIsolation: packageIsolationCalls(authz.inventory, enumeration.calls),
  };
  // One loop over every call: the evaluator is the slow part.
  for (const [kind, calls] of Object.entries(expectations)) {
    checks[kind] = [];
    for (const call of calls) checks[kind].push({ call, decision: await authz.check(call) });
  }
  console.log(`authorization checks:\n${summary()}`);
});

/**
 * A promotion role reading the registry of an environment before its own in the promotion order:
 * what a promotion does (checked with the promotion's calls), not a crossing of the boundary.
 */
function promotionRead(call: RunTimeCall): boolean {
  const into = platform.promotion.indexOf(call.stage);
  const from = platform.promotion.findIndex((stage) =>
    call.resource.includes(`:${platform.environmentOf(stage).account}:`),
  );
  return (
    into > 0 &&
    from >= 0 &&
    from < into &&
    call.principal === platform.promotionTargetOf({ id: call.stage }).roleArn &&
    /^sagemaker:(Describe|List)/.test(call.action)
  );
}

/** How many calls were checked, per environment: by kind of expectation, and run-time calls by principal. */
function summary(): string {
  const count = <T>(items: T[], key: (item: T) => string) =>
    items.reduce<Record<string, number>>(
      (all, item) => ({ ...all, [key(item)]: (all[key(item)] ?? 0) + 1 }),
      {},
    );
  return config.environments
    .map((env) => {
      const kinds = Object.fromEntries(
        Object.keys(checks).map((kind) => [kind, ofEnvironment(kind, env).length]),
      );
      const principals = count(ofEnvironment('runTime', env), (c) =>
        c.call.principal.replace(/^.*:role\//, 'role '),
      );
      return `${env.name}: ${JSON.stringify(kinds)}\n  run-time calls by principal: ${JSON.stringify(principals)}`;
    })
    .join('\n');
}

/** A failed check as a reader wants it: where, who, what, and the evaluator's reason. */
function line({ call, decision }: Checked): string {
  const env = platform.environmentOf(call.stage).name;
  const context = call.context ? ` ${JSON.stringify(call.context)}` : '';
  return `${env} | ${call.origin} | ${call.principal} | ${call.action} | ${call.resource}${context} | ${decision.result}: ${decision.explanation}`;
}

const ofEnvironment = (kind: string, env: EnvironmentConfig) =>
  checks[kind].filter((c) => c.call.stage === env.stageId);

describe.each(config.environments.map((env) => [env.name, env] as const))('environment %s', (_name, env) => {
  test('every call it makes at run time is allowed', () => {
    const checked = ofEnvironment('runTime', env);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
  });

  test("a job of one model reaches no other model's data, nor a look-alike prefix, database or workgroup", () => {
    const checked = ofEnvironment('crossModel', env);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test("a model-quality check reads its own model's ground truth and captures, and no other model's", () => {
    const quality = (kind: string) =>
      ofEnvironment(kind, env).filter((c) =>
        /ModelQuality\/JobDefinition monitoring job/.test(c.call.origin),
      );
    const groundTruth = (c: Checked) =>
      c.call.action === 's3:GetObject' && c.call.resource.includes('/ground-truth/');
    const monitors = authz.inventory.deployed
      .ofType('AWS::SageMaker::ModelQualityJobDefinition')
      .filter((d) => d.stage.id === env.stageId);
    expect(quality('runTime').filter(groundTruth).length).toBe(monitors.length);
    expect(
      quality('runTime')
        .filter((c) => !cleanlyAllowed(c))
        .map(line),
    ).toEqual([]);
    if (monitors.length > 0 && modelNames.length > 1) {
      const denied = quality('crossModel');
      expect(denied.filter(groundTruth).length).toBeGreaterThan(0);
      expect(denied.some((c) => c.call.resource.includes('/data-capture/'))).toBe(true);
      expect(denied.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
    }
  });

  test("no role of it reaches another environment's buckets, keys or registry", () => {
    const checked = ofEnvironment('crossEnvironment', env);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test("no service publishes, decrypts or assumes a role of it for another account's resource", () => {
    const checked = ofEnvironment('confusedDeputy', env);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test('no service assumes a role of it for another resource of its account than the one the role serves', () => {
    const checked = ofEnvironment('otherSource', env);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
    // The endpoints' models and the data-quality checks are among them.
    const roles = new Set(checked.map((c) => c.call.resource));
    const modelRoles = authz.inventory.deployed
      .ofType('AWS::SageMaker::Model')
      .filter((m) => m.stage.id === env.stageId)
      .map((m) => String(m.properties.ExecutionRoleArn));
    expect(modelRoles.filter((r) => !roles.has(r))).toEqual([]);
  });

  test('a promotion into it and out of it is allowed; its packages are readable by later environments of the promotion order only', () => {
    const allowed = ofEnvironment('promotionReads', env);
    const denied = ofEnvironment('otherPromotionReads', env);
    // Promoted from (its registry and objects read) unless last; promoted into (role, copies) unless first.
    expect(allowed.length > 0).toBe(
      platform.promotion.includes(env.stageId) && platform.promotion.length > 1,
    );
    const intoIt = allowed.filter((c) => c.call.principal === platform.promotionTargetOf(env).roleArn);
    expect(intoIt.length > 0).toBe(platform.promotion.indexOf(env.stageId) > 0);
    expect(denied.length).toBeGreaterThan(0);
    expect([
      ...allowed.filter((c) => !cleanlyAllowed(c)).map(line),
      ...denied.filter((c) => !cleanlyDenied(c)).map(line),
    ]).toEqual([]);
  });

  test("the local emulator's account reads none of it", () => {
    const checked = ofEnvironment('emulatorAccount', env);
    // The emulator's own environment is the one place that account belongs.
    expect(checked.length > 0).toBe(env.account !== emulatorAccount);
    expect(checked.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test(
    env.network === 'vpc'
      ? "each build is placed in the VPC, logs pip in to its environment's package repository and reads it, through the VPC's CodeArtifact endpoints"
      : 'no build asks anything of CodeArtifact: they install from PyPI',
    () => {
      const projects = templateResources(env, 'AWS::CodeBuild::Project');
      const packageCalls = ofEnvironment('runTime', env).filter((c) =>
        /^codeartifact:|^sts:GetServiceBearerToken$/.test(c.call.action),
      );
      if (env.network !== 'vpc') {
        expect(packageCalls).toEqual([]);
        return;
      }
      // The environment's domain (`<project>-<env>`) in its own account, by CodeArtifact's ARN format.
      const domain = `arn:aws:codeartifact:${env.region}:${env.account}:domain/${config.project}-${env.name}`;
      const repository = `arn:aws:codeartifact:${env.region}:${env.account}:repository/${config.project}-${env.name}/`;
      for (const project of projects) {
        const role = String(asList(asObject(project.properties.ServiceRole)?.['Fn::GetAtt'])[0]);
        const ofBuild = packageCalls.filter((c) => c.call.principal.endsWith(`/${role}`));
        const made = new Map(ofBuild.map((c) => [c.call.action, c]));
        expect([...made.keys()].sort()).toEqual([
          'codeartifact:GetAuthorizationToken',
          'codeartifact:GetRepositoryEndpoint',
          'codeartifact:ReadFromRepository',
          'sts:GetServiceBearerToken',
        ]);
        expect(made.get('codeartifact:GetAuthorizationToken')!.call.resource).toBe(domain);
        expect(made.get('codeartifact:ReadFromRepository')!.call.resource.startsWith(repository)).toBe(true);
        // Through the VPC's endpoints: their policies were evaluated with the others.
        expect(ofBuild.every((c) => c.call.vpcEndpoint !== undefined)).toBe(true);
        expect(ofBuild.filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
        // CodeBuild places the build's network interface in the project's subnets, as the role allows.
        const placement = ofEnvironment('runTime', env).filter(
          (c) =>
            c.call.principal.endsWith(`/${role}`) && c.call.action === 'ec2:CreateNetworkInterfacePermission',
        );
        expect(placement.length).toBeGreaterThan(0);
        expect(placement.filter((c) => !cleanlyAllowed(c)).map(line)).toEqual([]);
      }
    },
  );

  test("no other environment's or account's role, no other role of it, reads its packages; its build roles read no other CodeArtifact resource", () => {
    const checked = ofEnvironment('packageIsolation', env);
    expect(checked.length > 0).toBe(env.network === 'vpc');
    expect(checked.filter((c) => !cleanlyDenied(c)).map(line)).toEqual([]);
  });

  test('every task state, job, model, monitor, alarm, rule target, budget, log, tracking server and role of its templates makes checked calls', () => {
    // A person's calls count too: `mlenv promote` runs as the promotion role.
    const made = [...ofEnvironment('runTime', env), ...ofEnvironment('promotionReads', env)];
    const origins = new Set(ofEnvironment('runTime', env).map((c) => c.call.origin));
    const principals = new Set(made.map((c) => c.call.principal));
    const assumed = new Set(
      made.filter((c) => c.call.action === 'sts:AssumeRole').map((c) => c.call.resource),
    );
    const missing = expectedOrigins(env).filter(
      (expected) => ![...origins].some((o) => o === expected || o.startsWith(`${expected} `)),
    );
    for (const role of templateResources(env, 'AWS::IAM::Role')) {
      const name = `/${String(role.properties.RoleName ?? role.logicalId)}`;
      if (![...principals].some((p) => p.endsWith(name))) missing.push(`${role.path}: no call made with it`);
      if (![...assumed].some((r) => r.endsWith(name))) missing.push(`${role.path}: nobody assumes it`);
    }
    expect(missing).toEqual([]);
  });
});

test('every resource, integration and target of the templates has a model of its calls, and every sample run succeeds', () => {
  expect(enumeration.problems).toEqual([]);
});

test('every rule on S3 events names a bucket that sends its events to EventBridge', () => {
  expect(enumeration.silentRules).toEqual([]);
});

/** A resource of an environment's templates, read directly (not through the library under test). */
interface TemplateResourceOf {
  readonly logicalId: string;
  readonly path: string;
  readonly properties: JsonObject;
}

function templateResources(env: EnvironmentConfig, type: string): TemplateResourceOf[] {
  return platform.assembly.stacksRecursively
    .filter((stack) => stack.hierarchicalId.startsWith(`${env.stageId}/`))
    .flatMap((stack) =>
      Object.entries((stack.template as { Resources: Record<string, JsonObject> }).Resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([logicalId, resource]) => ({
          logicalId,
          path: String(asObject(resource.Metadata)?.['aws:cdk:path'])
            .slice(env.stageId.length + 1)
            .replace(/\/Resource$/, ''),
          properties: asObject(resource.Properties) ?? {},
        })),
    );
}

/** What in an environment's templates must make calls: each names the origin its calls carry. */
function expectedOrigins(env: EnvironmentConfig): string[] {
  const of = (type: string) => templateResources(env, type);
  return [
    ...of('AWS::StepFunctions::StateMachine').flatMap((machine) => {
      const definition = stateMachineDefinition(machine.properties);
      if (!definition) return [`${machine.path}: definition not readable`];
      return [
        `${machine.path} role`,
        ...taskStates(definition).flatMap((task) => [
          `${machine.path} state ${task.name}`,
          // A SageMaker job's (a tuning job's trials') or a Glue job run's own requests, through its role.
          ...(/:sagemaker:create(Training|Processing|HyperParameterTuning)Job|:glue:startJobRun/.test(
            task.resource,
          )
            ? [`${machine.path} state ${task.name} job`]
            : []),
          // A CodeBuild build's own requests, through its service role.
          ...(/:codebuild:startBuild/.test(task.resource)
            ? [`${machine.path} state ${task.name} build`]
            : []),
        ]),
      ];
    }),
    ...of('AWS::SageMaker::Model').map((model) => `${model.path} model data`),
    ...of('AWS::SageMaker::DataQualityJobDefinition').map((job) => `${job.path} monitoring job`),
    ...of('AWS::SageMaker::ModelQualityJobDefinition').map((job) => `${job.path} monitoring job`),
    ...[...of('AWS::CloudWatch::Alarm'), ...of('AWS::CloudWatch::CompositeAlarm')].flatMap((alarm) =>
      ['AlarmActions', 'OKActions', 'InsufficientDataActions']
        .filter((property) => asList(alarm.properties[property]).length > 0)
        .map((property) => `${alarm.path} ${property}`),
    ),
    ...of('AWS::Events::Rule').flatMap((rule) =>
      asList(rule.properties.Targets).map((target) => `${rule.path} target ${String(asObject(target)?.Id)}`),
    ),
    ...of('AWS::Budgets::Budget')
      .filter((budget) => asList(budget.properties.NotificationsWithSubscribers).length > 0)
      .map((budget) => `${budget.path} notification`),
    ...of('AWS::Logs::LogGroup')
      .filter((group) => group.properties.KmsKeyId !== undefined)
      .map((group) => `${group.path} encryption`),
    ...of('AWS::EC2::FlowLog').map((flowLog) => `${flowLog.path} delivery`),
    // A tracking server stores run artifacts through its role.
    ...of('AWS::SageMaker::MlflowTrackingServer').flatMap((server) => [
      `${server.path} role`,
      `${server.path} artifacts`,
    ]),
    ...of('AWS::S3::Bucket')
      .filter((bucket) => bucket.properties.LoggingConfiguration !== undefined)
      .map((bucket) => `${bucket.path} access logging`),
  ];
}

describe('the evaluator can disagree with the templates', () => {
  /** A fresh model of the same assembly, to change policies in without touching the shared one. */
  const freshModel = () => AuthorizationModel.fromAssembly(platform.assembly);
  const allowedRunTimeCall = (predicate: (c: Checked) => boolean): Checked => {
    const found = checks.runTime.find((c) => cleanlyAllowed(c) && predicate(c));
    if (!found) throw new Error('no allowed call of that kind to start from');
    return found;
  };
  /** The policy document without one statement (by Sid, or `#<1-based index>`). */
  const withoutStatement = (document: JsonObject, statement: string): JsonObject => ({
    ...document,
    Statement: asList(document.Statement).filter(
      (s, index) => asObject(s)?.Sid !== statement && `#${index + 1}` !== statement,
    ),
  });

  test('removing the identity statement that allows a call denies it', async () => {
    const { call, decision } = allowedRunTimeCall(
      (c) =>
        c.call.action === 's3:GetObject' &&
        authz.inventory.roles.has(c.call.principal) &&
        c.decision.grants.some((g) => !g.policy.includes('Bucket')),
    );
    const model = freshModel();
    const role = model.inventory.roles.get(call.principal)!;
    const grant = decision.grants.find((g) => role.identityPolicies.some((p) => p.name === g.policy))!;
    model.inventory.roles.set(call.principal, {
      ...role,
      identityPolicies: role.identityPolicies.map((p) =>
        p.name === grant.policy ? { ...p, document: withoutStatement(p.document, grant.statement) } : p,
      ),
    });
    const changed = await model.check(call);
    expect(changed.result).toBe('ImplicitlyDenied');
    expect(changed.explanation).toContain(grant.policy);
  });

  test("removing a trust policy's statements stops the service from assuming the role", async () => {
    const { call } = allowedRunTimeCall((c) => c.call.action === 'sts:AssumeRole');
    const model = freshModel();
    const role = model.inventory.roles.get(call.resource)!;
    model.inventory.roles.set(call.resource, {
      ...role,
      trustPolicy: { ...role.trustPolicy, document: { ...role.trustPolicy.document, Statement: [] } },
    });
    expect((await model.check(call)).allowed).toBe(false);
  });

  test('a key policy that does not delegate to the account denies a role its identity policy allows', async () => {
    const { call } = allowedRunTimeCall(
      (c) => c.call.action === 'kms:Decrypt' && authz.inventory.roles.has(c.call.principal),
    );
    const model = freshModel();
    const key = model.inventory.keys.get(call.resource)!;
    const withoutAccount = asList(key.policy.document.Statement).filter(
      (s) => !JSON.stringify(asObject(s)?.Principal ?? '').includes(':root'),
    );
    model.inventory.keys.set(call.resource, {
      ...key,
      policy: { ...key.policy, document: { ...key.policy.document, Statement: withoutAccount } },
    });
    expect((await model.check(call)).allowed).toBe(false);
  });

  test("a package read is denied when the repositories endpoint's policy does not admit the build role", async () => {
    const { call } = allowedRunTimeCall(
      (c) => c.call.action === 'codeartifact:ReadFromRepository' && c.call.vpcEndpoint !== undefined,
    );
    const model = freshModel();
    const endpoint = model.inventory.vpcEndpoints.get(call.vpcEndpoint!)!;
    model.inventory.vpcEndpoints.set(endpoint.arn, {
      ...endpoint,
      policy: { ...endpoint.policy!, document: { ...endpoint.policy!.document, Statement: [] } },
    });
    expect((await model.check(call)).allowed).toBe(false);
  });

  test("the repository's policy denies a role of its account whose own policy lets it read packages", async () => {
    const { call } = allowedRunTimeCall((c) => c.call.action === 'codeartifact:ReadFromRepository');
    const model = freshModel();
    const other = [...model.inventory.roles.values()].find(
      (r) => r.stage.id === call.stage && !r.arn.includes('/builds/'),
    )!;
    const reader = {
      name: 'test: reads every repository',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'codeartifact:ReadFromRepository', Resource: '*' }],
      },
    };
    model.inventory.roles.set(other.arn, { ...other, identityPolicies: [...other.identityPolicies, reader] });
    const decision = await model.check({ ...call, principal: other.arn, vpcEndpoint: undefined });
    expect(decision.result).toBe('ExplicitlyDenied');
  });

  test("a bucket policy's deny wins over any allow: the same read without TLS is denied", async () => {
    const { call } = allowedRunTimeCall(
      (c) => c.call.action === 's3:GetObject' && authz.inventory.roles.has(c.call.principal),
    );
    const decision = await authz.check({
      ...call,
      context: { ...call.context, 'aws:SecureTransport': 'false' },
    });
    expect(decision.result).toBe('ExplicitlyDenied');
  });
});
