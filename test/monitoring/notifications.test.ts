import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { platformAssembly } from '../support/platform';

type Json = Record<string, any>;
const { assembly, config } = platformAssembly();
const stacksOf = (stageId: string) =>
  assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${stageId}/`));
const resourcesOf = (stack: CloudFormationStackArtifact, type: string): Json[] =>
  Object.values((stack.template.Resources ?? {}) as Record<string, Json>).filter((r) => r.Type === type);
const services = (statement: Json): string[] => [statement.Principal?.Service ?? []].flat();

/**
 * A service principal acts for any account's resources unless the policy names the source
 * (the confused-deputy problem): every one on a topic policy must carry aws:SourceAccount and an
 * aws:SourceArn of the environment's own account.
 */
describe.each(config.environments.map((e) => [e.stageId, e] as const))(
  'notifications of %s',
  (stageId, env) => {
    const topicStatements = stacksOf(stageId).flatMap((stack) =>
      resourcesOf(stack, 'AWS::SNS::TopicPolicy').flatMap(
        (p) => p.Properties.PolicyDocument.Statement as Json[],
      ),
    );
    const keyStatements = stacksOf(stageId).flatMap((stack) =>
      resourcesOf(stack, 'AWS::KMS::Key').flatMap((k) => k.Properties.KeyPolicy.Statement as Json[]),
    );

    test('every service principal on a topic policy is conditioned on the source account and ARN', () => {
      const allows = topicStatements.filter((s) => s.Effect === 'Allow' && services(s).length > 0);
      expect(allows.length).toBeGreaterThan(0);
      for (const statement of allows) {
        expect({ sid: statement.Sid, condition: statement.Condition }).toEqual({
          sid: statement.Sid,
          condition: {
            StringEquals: { 'aws:SourceAccount': env.account },
            ArnLike: {
              'aws:SourceArn': expect.stringMatching(
                new RegExp(`^arn:aws:[a-z]+:[a-z0-9-]*:${env.account}:`),
              ),
            },
          },
        });
      }
    });

    test('CloudWatch alarms may publish to the alert topic and use its key, for alarms of this account only', () => {
      const topic = topicStatements.find((s) => services(s).includes('cloudwatch.amazonaws.com'));
      expect(topic?.Condition?.ArnLike?.['aws:SourceArn']).toBe(
        `arn:aws:cloudwatch:${env.region}:${env.account}:alarm:*`,
      );
      const key = keyStatements.find((s) => services(s).includes('cloudwatch.amazonaws.com'));
      expect(key).toMatchObject({
        Effect: 'Allow',
        Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
        Condition: topic?.Condition,
      });
    });

    test("service principals on key policies may only encrypt and decrypt, for this account's resources", () => {
      for (const statement of keyStatements.filter((s) => services(s).length > 0)) {
        for (const action of [statement.Action].flat()) {
          expect(action).toMatch(/^kms:(Decrypt|GenerateDataKey|Encrypt|ReEncrypt|Describe)\*?$/);
        }
        // Bound to this account: by the source (where the key request carries it), else by what is
        // encrypted (an SNS topic's or a log group's ARN in the encryption context).
        const own = `${env.region}:${env.account}:`;
        expect(JSON.stringify(statement.Condition ?? 'none')).toMatch(
          new RegExp(
            `"aws:SourceAccount":"${env.account}"|` +
              `"kms:EncryptionContext:aws:(sns:topicArn":"arn:aws:sns:${own}\\*"|logs:arn":"arn:aws:logs:${own}log-group:)`,
          ),
        );
      }
    });
  },
);
