import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { EnvironmentConfig, MlEnvConfig } from '../../../config';
import type { EnvironmentTemplates } from './compare';
import type { CfnTemplate } from './normalize';

/** An environment's stacks in the assembly (`Staging/Storage` is stack `Storage` of `staging`). */
export function environmentStacks(
  assembly: CloudAssembly,
  environment: EnvironmentConfig,
): CloudFormationStackArtifact[] {
  const own = assembly.stacksRecursively.filter((s) =>
    s.hierarchicalId.startsWith(`${environment.stageId}/`),
  );
  if (own.length === 0) {
    throw new Error(
      `The cloud assembly has no stacks for environment '${environment.name}' (stage ${environment.stageId})`,
    );
  }
  return own;
}

/** A stack's id in its environment's stage (`Storage` for `Staging/Storage`). */
export function stackIdInStage(stack: CloudFormationStackArtifact): string {
  return stack.hierarchicalId.slice(stack.hierarchicalId.indexOf('/') + 1);
}

/** Groups the assembly's stacks by environment. */
export function environmentTemplates(assembly: CloudAssembly, config: MlEnvConfig): EnvironmentTemplates[] {
  return config.environments.map((environment) => ({
    environment,
    stacks: Object.fromEntries(
      environmentStacks(assembly, environment).map((s) => [stackIdInStage(s), s.template as CfnTemplate]),
    ),
  }));
}
