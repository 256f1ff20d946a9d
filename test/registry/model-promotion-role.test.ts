import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import {
  MlDataStore,
  ModelPromotionRole,
  type ModelPromotionRoleProps,
  ModelRegistry,
  type PromotionSource,
} from '../../constructs';
import { platformAssembly } from '../support/platform';
import { testApp } from '../support/test-app';

type Json = Record<string, any>;
const source: PromotionSource = {
  name: 'staging',
  account: '222222222222',
  groupNamePrefix: 'mlenv-staging',
  modelsBucketName: 'mlenv-staging-models',
};

function promotionRole(props: Partial<ModelPromotionRoleProps> = {}) {
  const stack = new Stack(testApp(), 'Prod', { env: { account: '333333333333', region: 'eu-west-1' } });
  const registry = new ModelRegistry(stack, 'Registry', {
    modelNames: ['churn'],
    groupNamePrefix: 'mlenv-prod',
  });
  const dataStore = new MlDataStore(stack, 'Data', { bucketNamePrefix: 'mlenv-prod' });
  new ModelPromotionRole(stack, 'Promotion', {
    registry,
    dataStore,
    sources: [source],
    roleName: 'mlenv-prod-promotion',
    ...props,
  });
  return Template.fromStack(stack);
}

const statementsOf = (template: Template): Json[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );

describe('ModelPromotionRole', () => {
  test('is assumed by its own account only, for an hour at most', () => {
    promotionRole().hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlenv-prod-promotion',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::333333333333:root' },
          },
        ],
      },
    });
  });

  test("reads the source's registry and runs, and nothing of the source beyond them; deletes nothing", () => {
    const statements = statementsOf(promotionRole());
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => /Delete|\*/.test(a))).toEqual([]);
    const inSource = statements.filter(
      (s) =>
        JSON.stringify(s.Resource).includes(source.account) ||
        JSON.stringify(s.Resource).includes(source.modelsBucketName),
    );
    expect(inSource.flatMap((s) => [s.Action].flat()).sort()).toEqual(
      [
        'kms:Decrypt',
        's3:GetObject',
        's3:GetObjectVersion',
        'sagemaker:DescribeModelPackage',
        'sagemaker:DescribeModelPackageGroup',
        'sagemaker:ListModelPackages',
      ].sort(),
    );
    const objects = inSource.find((s) => [s.Action].flat().includes('s3:GetObject'))!;
    // Every model's runs (any model may be promoted), nothing else of the bucket.
    expect(objects.Resource).toBe(`arn:aws:s3:::${source.modelsBucketName}/*/runs/*/*`);
    const decrypt = inSource.find((s) => s.Action === 'kms:Decrypt')!;
    expect(decrypt.Condition.StringLike['kms:EncryptionContext:aws:s3:arn']).toEqual([
      `arn:aws:s3:::${source.modelsBucketName}`,
      `arn:aws:s3:::${source.modelsBucketName}/*`,
    ]);
    expect(decrypt.Condition.StringEquals['kms:ViaService']).toBeDefined();
  });

  test('refuses props it cannot build a least-privilege role from', () => {
    expect(() => promotionRole({ sources: [] })).toThrow('sources must name at least one environment');
    expect(() => promotionRole({ sources: [{ ...source, account: '2222' }] })).toThrow(
      "sources: '2222' is not a 12-digit account id",
    );
    expect(() => promotionRole({ sources: [source, source] })).toThrow('sources: names must be unique');
    expect(() => promotionRole({ parameterPaths: ['mlenv/prod/'] })).toThrow('is not a parameter path');
  });
});

describe('the platform', () => {
  const { assembly, config } = platformAssembly();
  test.each(config.environments.map((e) => [e.name, e] as const))(
    '%s has a promotion role exactly when it comes after another environment of the promotion order',
    (_name, env) => {
      const roles = assembly.stacksRecursively
        .filter((s: CloudFormationStackArtifact) => s.hierarchicalId.startsWith(`${env.stageId}/`))
        .flatMap((s) => Object.values((s.template.Resources ?? {}) as Record<string, Json>))
        .filter(
          (r) =>
            r.Type === 'AWS::IAM::Role' &&
            r.Properties.RoleName === `${config.project}-${env.name}-promotion`,
        );
      expect(roles).toHaveLength(config.promotion.indexOf(env.name) > 0 ? 1 : 0);
    },
  );
});
