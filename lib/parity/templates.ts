import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { MlEnvConfig } from '../../config';
import type { EnvironmentTemplates } from './compare';
import type { CfnTemplate } from './normalize';

/** Groups the assembly's stacks by environment (`Staging/Storage` is stack `Storage` of `staging`). */
export function environmentTemplates(assembly: CloudAssembly, config: MlEnvConfig): EnvironmentTemplates[] {
  const stacks = assembly.stacksRecursively;
  return config.environments.map((environment) => {
    const prefix = `${environment.stageId}/`;
    const own = stacks.filter((s) => s.hierarchicalId.startsWith(prefix));
    if (own.length === 0) {
      throw new Error(
        `The cloud assembly has no stacks for environment '${environment.name}' (stage ${environment.stageId})`,
      );
    }
    return {
      environment,
      stacks: Object.fromEntries(
        own.map((s) => [s.hierarchicalId.slice(prefix.length), s.template as CfnTemplate]),
      ),
    };
  });
}
