import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type MlEnvConfig, platformConfig } from '../../../config';
import { cdkJsonContext } from '../../../config/cdk-json-context';

/**
 * The configuration a cloud assembly was synthesized with: this platform's, with the accounts the
 * assembly's stacks are deployed to (`npx cdk synth -c mlenv:account:prod=...` may have set them),
 * so that knobs derived from accounts (promotion readers, pins) read as its templates do.
 */
export function assemblyConfig(assembly: CloudAssembly): MlEnvConfig {
  const context = cdkJsonContext();
  const stacks = assembly.stacksRecursively;
  const accounts = platformConfig({ context }).environments.flatMap((env) => {
    const account = stacks.find((s) => s.hierarchicalId.startsWith(`${env.stageId}/`))?.environment.account;
    return account && /^\d{12}$/.test(account) ? [[`mlenv:account:${env.name}`, account]] : [];
  });
  return platformConfig({ context: { ...context, ...Object.fromEntries(accounts) } });
}
