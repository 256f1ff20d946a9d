import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';

/** Where `storeWithBuildSource` puts the build's source: what a CodeBuild project's S3 source names. */
export const BUILD_SOURCE = 's3://sources/project.zip';

/** A store holding a CodeBuild source archive (a zip with one file) at `BUILD_SOURCE`. */
export async function storeWithBuildSource(workDir: string): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  const zip = join(workDir, 'source.zip');
  execFileSync('python3', [
    '-c',
    `import zipfile; zipfile.ZipFile(${JSON.stringify(zip)}, 'w').writestr('README', 'x')`,
  ]);
  await store.put(BUILD_SOURCE, readFileSync(zip));
  return store;
}
