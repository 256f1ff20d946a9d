import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { type JsonObject } from './json-values';
import {
  type DeployableStack,
  type PhysicalIds,
  type SynthesizedTemplate,
  TemplateReader,
} from './template-reader';

/** The stacks of a cloud assembly (of every stage), each with where it deploys. */
export function deployableStacks(assembly: CloudAssembly): DeployableStack[] {
  return assembly.stacksRecursively.map((stack) => ({
    id: stack.hierarchicalId,
    stackName: stack.stackName,
    account: stack.environment.account,
    region: stack.environment.region,
    template: stack.template as SynthesizedTemplate,
  }));
}

const readers = new WeakMap<CloudAssembly, TemplateReader>();

/**
 * The reader of `assembly` that resolves tokens the way a deploy of its stacks would, with
 * stand-in physical names (see `TemplateReader.ofDeployment`; one per assembly), or with the
 * names a deploy reported (`physicalIds`).
 */
export function deploymentReader(assembly: CloudAssembly, physicalIds?: PhysicalIds): TemplateReader {
  if (physicalIds) return TemplateReader.ofDeployment(deployableStacks(assembly), undefined, physicalIds);
  let reader = readers.get(assembly);
  if (!reader) {
    reader = TemplateReader.ofDeployment(deployableStacks(assembly));
    readers.set(assembly, reader);
  }
  return reader;
}

/** The stack of the deployment reader of `assembly` with this hierarchical id (`Dev/Training`). */
function deployableStack(assembly: CloudAssembly, stackId: string): DeployableStack {
  const stack = deploymentReader(assembly).stacks?.find((s) => s.id === stackId);
  if (!stack) throw new Error(`No stack ${stackId} in the assembly`);
  return stack;
}

/**
 * Resolves CloudFormation intrinsics in a value of `stack`'s template the way a deploy into
 * `stack`'s account and region would, with stand-in physical names. For running synthesized
 * definitions locally.
 */
export function resolveIntrinsics(
  value: unknown,
  stack: CloudFormationStackArtifact,
  assembly: CloudAssembly,
): unknown {
  return deploymentReader(assembly).resolve(value, deployableStack(assembly, stack.hierarchicalId));
}

/** The definition of a state machine of the assembly, with every token resolved. */
export function stateMachineDefinition(
  assembly: CloudAssembly,
  stackId: string,
  constructPath: string,
): JsonObject {
  const stack = deployableStack(assembly, stackId);
  const found = Object.values(stack.template.Resources ?? {}).find(
    (r) =>
      r.Type === 'AWS::StepFunctions::StateMachine' &&
      (r.Metadata as JsonObject | undefined)?.['aws:cdk:path'] === `${stackId}/${constructPath}/Resource`,
  );
  if (!found) throw new Error(`No state machine ${constructPath} in ${stackId}`);
  const definition = deploymentReader(assembly).stateMachineDefinition(found.Properties ?? {}, stack);
  if (!definition) throw new Error(`The definition of ${stackId}/${constructPath} is not JSON`);
  return definition;
}
