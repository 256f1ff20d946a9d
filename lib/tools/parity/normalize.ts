import { type CfnResource, type CfnTemplate, constructPathOf } from '../../../cfn/cfn-template';
import { TemplateReader } from '../../../cfn/template-reader';

export { type CfnResource, type CfnTemplate, constructPathOf };

/** Where an environment is deployed: differs by design, and is replaced before comparing. */
export interface EnvironmentIdentity {
  readonly account: string;
  readonly region: string;
}

/**
 * ECR registries of AWS's framework images differ per region: the account in
 * `<account>.dkr.ecr.<region>...` and in `arn:aws:ecr:<region>:<account>:repository/...`.
 */
const ECR_REGISTRY = /\b\d{12}(?=\.dkr\.ecr\.)|(?<=:ecr:[a-z0-9-<>]+:)\d{12}(?=:repository\/)/g;

const ASSET_HASH = /\b[0-9a-f]{64}\b/g;

/**
 * Returns the template's resources with what must differ between environments replaced by
 * placeholders: the account (and the other environments' accounts, `peerAccounts`), region (and
 * the other environments', `peerRegions`), regional image registries and asset hashes. The environment name is replaced later, value by
 * value, where the environments' values line up (see `withoutNames`). Drops resource metadata and
 * CDK's own metadata resource, which carry construct paths.
 */
export function normalizeResources(
  template: CfnTemplate,
  env: EnvironmentIdentity,
  peerAccounts: readonly string[] = [],
  peerRegions: readonly string[] = [],
): Record<string, CfnResource> {
  const replace = normalizer(env, peerAccounts, peerRegions);
  const resources: Record<string, CfnResource> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type === 'AWS::CDK::Metadata') continue;
    const { Metadata: _metadata, ...rest } = resource;
    resources[logicalId] = mapStrings(parseDefinition(rest), replace) as CfnResource;
  }
  return resources;
}

/**
 * Replaces, in any JSON value, what must differ between environments (see `normalizeResources`):
 * the other sections of a template (outputs, parameters, ...) are compared this way.
 */
export function normalizeValue(
  value: unknown,
  env: EnvironmentIdentity,
  peerAccounts: readonly string[] = [],
  peerRegions: readonly string[] = [],
): unknown {
  return mapStrings(value, normalizer(env, peerAccounts, peerRegions));
}

function normalizer(
  env: EnvironmentIdentity,
  peerAccounts: readonly string[],
  peerRegions: readonly string[],
): (s: string) => string {
  const peers = peerAccounts.filter((a) => a !== env.account);
  // A region that is a peer's only: a knob value naming another environment (a promotion source).
  const regions = peerRegions.filter((r) => r !== env.region);
  return (s: string): string =>
    regions
      .reduce(
        (text, region) => text.split(region).join('<peer-region>'),
        peers
          .reduce(
            (text, peer) => text.split(peer).join('<peer-account>'),
            s.split(env.account).join('<account>'),
          )
          .split(env.region)
          .join('<region>'),
      )
      .replace(ECR_REGISTRY, '<ecr-registry>')
      .replace(ASSET_HASH, '<asset-hash>');
}

/**
 * Tokens of a definition (`Ref`, `Fn::GetAtt`, ...) as `{{...}}` text: the same token reads the
 * same in every environment, and a changed one shows as a changed value.
 */
const TOKENS_AS_TEXT = TemplateReader.withoutDeployment(
  (token) => `{{${JSON.stringify(token).replace(/["\\]/g, '')}}}`,
);

/**
 * Replaces a state machine's `DefinitionString` (one string, usually an `Fn::Join`) by the parsed
 * definition as `Definition`, so that it is compared state by state and field by field.
 */
function parseDefinition(resource: CfnResource): CfnResource {
  const definitionString = resource.Properties?.DefinitionString;
  if (resource.Type !== 'AWS::StepFunctions::StateMachine' || definitionString === undefined) return resource;
  const { DefinitionString: _string, ...properties } = resource.Properties ?? {};
  const definition = TOKENS_AS_TEXT.stateMachineDefinition({ DefinitionString: definitionString });
  // Not JSON once tokens are inlined: compare it as one value.
  if (definition === undefined) return resource;
  return { ...resource, Properties: { ...properties, Definition: definition } };
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapStrings(v, f)]));
  }
  return value;
}
