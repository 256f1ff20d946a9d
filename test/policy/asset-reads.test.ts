import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

/** The CDK bootstrap's file assets bucket (`cdk-<qualifier>-assets-<account>-<region>`): every asset of the account and region. */
const ASSET_OBJECTS = /^arn:aws[a-z-]*:s3:::cdk-[a-z0-9]+-assets-\d{12}-[a-z0-9-]+\/(.*)$/;
const ASSET_BUCKET = /^arn:aws[a-z-]*:s3:::cdk-[a-z0-9]+-assets-\d{12}-[a-z0-9-]+$/;
/** An asset's key is its content hash and extension: a wildcard reaches every other asset. */
const ASSET_KEY = /^[0-9a-f]{64}\.[a-z.]+$/;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: any };

/** Each allow statement of an environment's policies, with where it is. */
function allowStatements(): Array<{ where: string; statement: Statement }> {
  const stacks = assembly.stacksRecursively.filter((s) =>
    config.environments.some((e) => s.hierarchicalId.startsWith(`${e.stageId}/`)),
  );
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources as Record<string, { Type: string; Properties: any }>)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::Role')
      .flatMap(([id, r]) => {
        const documents =
          r.Type === 'AWS::IAM::Policy'
            ? [r.Properties.PolicyDocument]
            : (r.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument);
        return documents.flatMap((d: { Statement: Statement[] }) =>
          d.Statement.filter((s) => s.Effect === 'Allow').map((statement) => ({
            where: `${stack.hierarchicalId}/${id}`,
            statement,
          })),
        );
      }),
  );
}

/** Each object ARN of the assets bucket an allow statement of an environment's policies names. */
function assetObjectGrants(): Array<{ where: string; key: string }> {
  return allowStatements().flatMap(({ where, statement }) =>
    [statement.Resource].flat().flatMap((resource) => {
      const match = typeof resource === 'string' ? ASSET_OBJECTS.exec(resource) : null;
      return match ? [{ where, key: match[1] }] : [];
    }),
  );
}

test("roles of the environments read the assets bucket only at their own assets' keys", () => {
  const grants = assetObjectGrants();
  expect(grants.length).toBeGreaterThan(0); // the Glue scripts, the job and build sources
  expect(grants.filter((g) => !ASSET_KEY.test(g.key))).toEqual([]);
});

test('roles of the environments list the assets bucket only at their own keys, and read nothing else of the bucket but its ACL and location', () => {
  // CodeBuild's documented service role policy asks the source bucket's ACL and location
  // (S3BucketIdentity); SageMaker lists a job's source archive by its key.
  const bucketIdentity = ['s3:GetBucketAcl', 's3:GetBucketLocation'];
  const problems = allowStatements().flatMap(({ where, statement }) => {
    if (![statement.Resource].flat().some((r) => typeof r === 'string' && ASSET_BUCKET.test(r))) return [];
    return [statement.Action].flat().flatMap((action) => {
      if (bucketIdentity.includes(action)) return [];
      const prefixes = [statement.Condition?.StringLike?.['s3:prefix'] ?? []].flat();
      if (
        action === 's3:ListBucket' &&
        prefixes.length > 0 &&
        prefixes.every((p: string) => ASSET_KEY.test(p))
      ) {
        return [];
      }
      return [`${where}: ${action} on the assets bucket`];
    });
  });
  expect(problems).toEqual([]);
});
