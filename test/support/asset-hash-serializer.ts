/**
 * Jest snapshot serializer: replaces asset hashes (64 hex digits) so snapshots change only when
 * the infrastructure does, not when an asset's bytes or the CDK version's bootstrap hash do.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;

export function test(value: unknown): boolean {
  return typeof value === 'string' && /[0-9a-f]{64}/.test(value);
}

export function serialize(value: string): string {
  return JSON.stringify(value.replace(ASSET_HASH, '<asset-hash>'));
}
