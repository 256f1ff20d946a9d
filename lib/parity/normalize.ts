/** What makes an environment's templates differ by design, and is replaced before comparing. */
export interface EnvironmentIdentity {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

/** A CloudFormation template, as far as the parity check reads it. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  [key: string]: unknown;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

const ASSET_HASH = /\b[0-9a-f]{64}\b/g;

/**
 * Returns the template's resources with what must differ between environments replaced by
 * placeholders: account, region, environment name (as a whole word, any case) and asset hashes.
 * Drops resource metadata and CDK's own metadata resource, which carry construct paths.
 */
export function normalizeResources(
  template: CfnTemplate,
  env: EnvironmentIdentity,
): Record<string, CfnResource> {
  const name = new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(env.name)}(?![a-z0-9])`, 'gi');
  const replace = (s: string): string =>
    s
      .split(env.account)
      .join('<account>')
      .split(env.region)
      .join('<region>')
      .replace(ASSET_HASH, '<asset-hash>')
      .replace(name, '<env>');

  const resources: Record<string, CfnResource> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type === 'AWS::CDK::Metadata') continue;
    const { Metadata: _metadata, ...rest } = resource;
    resources[logicalId] = mapStrings(rest, replace) as CfnResource;
  }
  return resources;
}

/** The construct path of a resource without its stage (`Storage/Data/RawBucket`), if recorded. */
export function constructPathOf(resource: CfnResource): string | undefined {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return undefined;
  return path
    .split('/')
    .slice(1)
    .join('/')
    .replace(/\/Resource$/, '');
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapStrings(v, f)]));
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
