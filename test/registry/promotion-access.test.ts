import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { EMULATED_ENVIRONMENTS } from '../../config';
import { platformAssembly } from '../support/platform';

type Json = Record<string, any>;
const { assembly, config } = platformAssembly();
const stack = (id: string) =>
  assembly.stacksRecursively.find((s) => s.hierarchicalId === id) as CloudFormationStackArtifact;
const resources = (id: string, type: string): Json[] =>
  Object.values((stack(id).template.Resources ?? {}) as Record<string, Json>).filter((r) => r.Type === type);
/** The accounts an `AWS` principal names (account roots, roles, or bare ids). */
const accountsOf = (statement: Json): string[] =>
  [statement.Principal?.AWS ?? []]
    .flat()
    .map((p: unknown) => JSON.stringify(p).match(/\d{12}/)?.[0] ?? `unreadable ${JSON.stringify(p)}`);

/**
 * Models move dev -> staging -> prod (config.promotion): an environment's registry and model
 * artifacts are readable by the next environment's promotion role only (its account as principal,
 * the role in aws:PrincipalArn), the last one's by nobody, and no cloud environment trusts the
 * emulator's account.
 */
describe.each(config.environments.map((e) => [e.stageId, e] as const))(
  'promotion access of %s',
  (stageId, env) => {
    const foreign = (statement: Json) => accountsOf(statement).filter((a) => a !== env.account);
    // From the order itself: the next environment, when it is in another account.
    const position = config.promotion.indexOf(env.name);
    const next = (position < 0 ? [] : config.promotion.slice(position + 1, position + 2))
      .map((name) => config.environments.find((e) => e.name === name)!)
      .filter((e) => e.account !== env.account);
    const readers = next.map((e) => e.account);
    // `<project>-<env>-promotion`, as the README names the role `mlenv promote` assumes.
    const readerRoles = next.map(
      (e) => `arn:aws:iam::${e.account}:role/${config.project}-${e.name}-promotion`,
    );
    const onlyTheRole = {
      ArnEquals: { 'aws:PrincipalArn': readerRoles.length === 1 ? readerRoles[0] : readerRoles },
    };

    test("the registry's groups may be read by the next environment's promotion role only", () => {
      const groups = resources(`${stageId}/Registry`, 'AWS::SageMaker::ModelPackageGroup');
      expect(groups).toHaveLength(config.models.length);
      for (const group of groups) {
        const statements: Json[] = group.Properties.ModelPackageGroupPolicy?.Statement ?? [];
        expect([...new Set(statements.flatMap(foreign))].sort()).toEqual(readers);
        for (const statement of statements) {
          for (const action of [statement.Action].flat())
            expect(action).toMatch(/^sagemaker:(Describe|List)/);
          expect(statement.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': readerRoles } });
        }
      }
    });

    test("model artifacts may be read by the next environment's promotion role only: through S3, only runs, only the models bucket's key use", () => {
      const bucketStatements = resources(`${stageId}/Storage`, 'AWS::S3::BucketPolicy').flatMap(
        (p) => p.Properties.PolicyDocument.Statement as Json[],
      );
      const shared = bucketStatements.filter((s) => s.Effect === 'Allow' && foreign(s).length > 0);
      expect([...new Set(shared.flatMap(foreign))].sort()).toEqual(readers);
      for (const statement of shared) {
        expect([statement.Action].flat().sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
        expect(statement.Condition).toEqual(onlyTheRole);
        for (const resource of [statement.Resource].flat()) {
          // The models bucket (by its logical id in this template), one model's runs.
          expect(resource['Fn::Join'][1]).toEqual([
            { 'Fn::GetAtt': [expect.stringMatching(/^DataModelsBucket/), 'Arn'] },
            expect.stringMatching(/^\/[a-z][a-z0-9-]*\/runs\/\*\/\*$/),
          ]);
        }
      }
      const keyStatements = resources(`${stageId}/Storage`, 'AWS::KMS::Key').flatMap(
        (k) => k.Properties.KeyPolicy.Statement as Json[],
      );
      const sharedKey = keyStatements.filter((s) => s.Effect === 'Allow' && foreign(s).length > 0);
      expect([...new Set(sharedKey.flatMap(foreign))].sort()).toEqual(readers);
      for (const statement of sharedKey) {
        expect(statement.Action).toBe('kms:Decrypt');
        // The models bucket uses an S3 Bucket Key: S3 names the bucket as encryption context.
        expect(statement.Condition).toEqual({
          ...onlyTheRole,
          StringEquals: {
            'kms:ViaService': `s3.${env.region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${config.project}-${env.name}-${env.account}-${env.region}-models`,
          },
        });
      }
    });

    test("no policy of a cloud environment names the emulator's account", () => {
      if (EMULATED_ENVIRONMENTS.includes(env.name)) return;
      const emulated = config.environments.filter((e) => EMULATED_ENVIRONMENTS.includes(e.name));
      const templates = assembly.stacksRecursively
        .filter((s) => s.hierarchicalId.startsWith(`${stageId}/`))
        .map((s) => JSON.stringify(s.template));
      for (const local of emulated.filter((e) => e.account !== env.account)) {
        for (const template of templates) expect(template).not.toContain(local.account);
      }
    });
  },
);
