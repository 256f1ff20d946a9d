import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../config/repo-root';

/**
 * The `cdk-assets` the pipeline's asset steps install (`npm install -g cdk-assets@<this>`): an
 * exact version, never `latest`. CDK Pipelines accepts any version string; what limits the choice
 * is the cloud assembly schema: cdk-assets refuses asset manifests of a newer schema major than the
 * one it bundles. It is not a dependency of this repository (nothing here runs it), so it is
 * pinned here; bump it with aws-cdk-lib. Known gap: 4.7.3, the newest on npm when pinned (what
 * `latest` installed), bundles schema 54, and aws-cdk-lib 2.276.0 writes 55.0.0 asset manifests.
 */
export const CDK_ASSETS_VERSION = '4.7.3';

/** The CLI versions the pipeline's generated steps install: self-mutation and asset publishing. */
export interface PipelineCliVersions {
  /** `aws-cdk`, for `cdk deploy` of the pipeline itself: the version of package-lock.json. */
  readonly cdk: string;
  readonly cdkAssets: string;
}

/** The versions the pipeline installs, the CDK CLI's read from `lockFile`. */
export function pipelineCliVersions(
  lockFile: string = join(REPO_ROOT, 'package-lock.json'),
): PipelineCliVersions {
  return { cdk: lockedVersion('aws-cdk', lockFile), cdkAssets: CDK_ASSETS_VERSION };
}

/** The exact version `lockFile` (npm's lockfileVersion 2 or 3) installs of package `name`. */
export function lockedVersion(name: string, lockFile: string): string {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${lockFile}: packages["node_modules/${name}"].version is missing`);
  return version;
}
