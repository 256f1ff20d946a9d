import { pascalCase } from '../../cfn/pascal-case';
import { expectedStackIds, platformAssembly } from '../support/platform';
import { reviewedTemplate } from './reviewed-template';

const { assembly, config } = platformAssembly();
/** Resource types of the platform that CloudFormation can tag. */
const TAGGABLE = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::SNS::Topic',
  'AWS::Events::Rule',
  'AWS::Logs::LogGroup',
  'AWS::IAM::Role',
  'AWS::StepFunctions::StateMachine',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SSM::Parameter',
];
const stacks = assembly.stacksRecursively;
/** The stage snapshots' size limit (issue 29): beyond it, nobody reads them. */
const SNAPSHOT_LINES = 5000;

describe('one stage per environment', () => {
  test('stage ids follow the environments, each with the same stacks in its own account and region', () => {
    for (const env of config.environments) {
      const own = stacks.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
      expect(own.map((s) => s.hierarchicalId).sort()).toEqual(
        expectedStackIds(config, env).map((id) => `${env.stageId}/${id}`),
      );
      for (const stack of own) {
        expect(stack.environment).toMatchObject({ account: env.account, region: env.region });
        expect(stack.stackName).toBe(stack.hierarchicalId.replace('/', '-'));
        // Environments that keep their data also protect their stacks from deletion.
        expect(stack.terminationProtection).toBe(env.removalPolicy === 'retain');
      }
    }
  });

  test("a model's stack uses data by bucket name: it imports only keys, its log group, the alert topic and the VPC (its subnets, the jobs' and the builds' security groups)", () => {
    for (const env of config.environments) {
      const training = stacks.find(
        (s) => s.hierarchicalId === `${env.stageId}/${pascalCase(config.models[0].name)}Model`,
      )!;
      const imports = [...JSON.stringify(training.template).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map(
        (m) => m[1],
      );
      expect(imports.length).toBeGreaterThan(0);
      for (const name of imports) {
        expect(name).toMatch(
          /^[A-Za-z]+-(Storage:ExportsOutputFnGetAtt(DataKey|OperationsKey)[0-9A-F]+Arn|Operations:ExportsOutputRefAlerts|Training:ExportsOutputFnGetAtt[A-Za-z0-9]+PipelineLogs[0-9A-F]+Arn|Network:ExportsOutput(FnGetAtt(NetworkWorkload|Builds)SecurityGroup|RefNetworkVpcIsolatedSubnet|RefNetworkVpc[0-9A-F]+))/,
        );
      }
    }
  });

  // The environments' stacks (the delivery stacks serve several environments, and are tagged with the project).
  const environmentStacks = stacks.filter((s) =>
    config.environments.some((e) => s.hierarchicalId.startsWith(`${e.stageId}/`)),
  );
  test.each(environmentStacks.map((s) => [s.hierarchicalId, s] as const))(
    'every taggable resource of %s carries project, environment and cost centre',
    (id, stack) => {
      const env = config.environments.find((e) => id.startsWith(`${e.stageId}/`))!;
      const resources = Object.entries(
        stack.template.Resources as Record<string, { Type: string; Properties?: { Tags?: unknown } }>,
      );
      // The types above, and any other resource that carries tags (the stage snapshots leave tags here).
      const taggable = resources.filter(([, r]) => TAGGABLE.includes(r.Type) || r.Properties?.Tags);
      expect(taggable.length).toBeGreaterThan(0);
      for (const [, resource] of taggable) {
        // Most types take a list of { Key, Value }; a few (SSM parameters) a map.
        const tags = resource.Properties?.Tags as
          Array<{ Key: string; Value: string }> | Record<string, string>;
        const asMap = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : tags;
        expect(asMap).toMatchObject({
          'mlenv:project': config.project,
          'mlenv:environment': env.name,
          'mlenv:cost-centre': env.costCentre,
        });
      }
    },
  );

  // Every stack of every environment's stage (the first test), and the delivery stacks.
  const reviewed = stacks.map((s) => [s.hierarchicalId, reviewedTemplate(s.template)] as const);
  test.each(reviewed)('%s as a reviewer reads it', (_id, text) => {
    expect(text).toMatchSnapshot();
  });

  test(`the stacks' snapshots together stay within ${SNAPSHOT_LINES} lines, a size a reviewer reads`, () => {
    // What the snapshot file holds: two header lines, and each snapshot's lines with three around them.
    const lines = 2 + reviewed.reduce((sum, [, text]) => sum + text.split('\n').length + 3, 0);
    expect(lines).toBeLessThanOrEqual(SNAPSHOT_LINES);
  });

  test('data, registry and execution logs are retained as removalPolicy says; only local and dev may delete them', () => {
    const stateful = [
      'AWS::S3::Bucket',
      'AWS::KMS::Key',
      'AWS::SageMaker::ModelPackageGroup',
      'AWS::Logs::LogGroup',
    ];
    for (const env of config.environments) {
      if (!['local', 'dev'].includes(env.name)) expect(env.removalPolicy).toBe('retain');
      const expected = env.removalPolicy === 'retain' ? 'Retain' : 'Delete';
      const own = stacks.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
      const resources = own.flatMap((s) =>
        Object.values(s.template.Resources as Record<string, { Type: string }>),
      );
      const found = resources.filter((r) => stateful.includes(r.Type));
      expect(new Set(found.map((r) => r.Type))).toEqual(new Set(stateful));
      for (const resource of found) {
        expect(resource).toMatchObject({ DeletionPolicy: expected, UpdateReplacePolicy: expected });
      }
    }
  });
});
