import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { ObjectStore } from '../../../lib/ops/object-store';
import { parseS3Uri } from '../../../lib/ops/s3-uri';

interface FileAsset {
  source: { path: string; packaging?: string };
  destinations: Record<string, { bucketName: string; objectKey: string }>;
}

/** Every `*.assets.json` of the assembly, nested stage assemblies included. */
function assetManifests(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) return assetManifests(path);
    return entry.isFile() && entry.name.endsWith('.assets.json') ? [path] : [];
  });
}

/**
 * Puts the file asset that a deploy would publish to `s3Uri` into `store`, from the assembly's
 * asset manifests: the bytes the platform built (the source archive, for example), not a copy.
 */
export async function publishFileAsset(
  assembly: CloudAssembly,
  s3Uri: string,
  store: ObjectStore,
): Promise<Buffer> {
  const { key } = parseS3Uri(s3Uri);
  for (const manifestPath of assetManifests(assembly.directory)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: Record<string, FileAsset> };
    for (const asset of Object.values(manifest.files ?? {})) {
      if (asset.source.packaging === 'zip') continue;
      if (Object.values(asset.destinations).some((d) => d.objectKey === key)) {
        const body = readFileSync(join(dirname(manifestPath), asset.source.path));
        await store.put(s3Uri, body);
        return body;
      }
    }
  }
  throw new Error(`No file asset of the assembly is published as ${s3Uri}`);
}
