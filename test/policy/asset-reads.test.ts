import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

/** The CDK bootstrap's file assets bucket (`cdk-<qualifier>-assets-<account>-<region>`): every asset of the account and region. */
const ASSET_OBJECTS = /^arn:aws[a-z-]*:s3:::cdk-[a-z0-9]+-assets-\d{12}-[a-z0-9-]+\/(.*)$/;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Each object ARN of the assets bucket an allow statement of an environment's policies names. */
function assetObjectGrants(): Array<{ where: string; key: string }> {
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
          d.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
            [s.Resource].flat().flatMap((resource) => {
              const match = typeof resource === 'string' ? ASSET_OBJECTS.exec(resource) : null;
              return match ? [{ where: `${stack.hierarchicalId}/${id}`, key: match[1] }] : [];
            }),
          ),
        );
      }),
  );
}

test("roles of the environments read the assets bucket only at their own assets' keys", () => {
  const grants = assetObjectGrants();
  expect(grants.length).toBeGreaterThan(0); // the Glue scripts, the job and build sources
  // An asset's key is its content hash and extension: a wildcard reaches every other asset.
  expect(grants.filter((g) => !/^[0-9a-f]{64}\.[a-z.]+$/.test(g.key))).toEqual([]);
});
