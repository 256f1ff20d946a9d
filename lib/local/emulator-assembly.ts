import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One stack of a deployed stage, as the cloud assembly the CDK CLI deployed describes it. */
export interface AssemblyStack {
  readonly stackName: string;
  /** The construct path's display name, for example `Local/Storage`. */
  readonly displayName: string;
  readonly template: {
    readonly Resources?: Record<
      string,
      { readonly Type: string; readonly Properties?: Record<string, unknown> }
    >;
  };
}

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly displayName?: string;
      readonly properties?: Record<string, string | undefined>;
    }
  >;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The stacks of stage `stageId` in the cloud assembly at `assemblyDir` (what `cdk deploy` wrote). */
export function stageStacks(assemblyDir: string, stageId: string): AssemblyStack[] {
  const root = readJson<Manifest>(join(assemblyDir, 'manifest.json'));
  const nested = Object.entries(root.artifacts ?? {}).find(
    ([id, a]) =>
      a.type === 'cdk:cloud-assembly' &&
      (id === stageId || a.displayName === stageId || a.properties?.displayName === stageId),
  );
  if (!nested) throw new Error(`no stage ${stageId} in the cloud assembly ${assemblyDir}`);
  const dir = join(assemblyDir, nested[1].properties?.directoryName ?? `assembly-${stageId}`);
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => ({
      stackName: a.properties?.stackName ?? id,
      displayName: a.displayName ?? id,
      template: readJson(join(dir, a.properties?.templateFile ?? `${id}.template.json`)),
    }));
}

/** Every resource of type `type` in `stacks`, with its stack and logical id. */
export function resourcesOfType(stacks: readonly AssemblyStack[], type: string) {
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([logicalId, r]) => ({ stack: stack.stackName, logicalId, properties: r.Properties ?? {} })),
  );
}
