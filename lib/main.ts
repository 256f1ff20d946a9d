import { join } from 'node:path';
import { ConfigError } from '../config';
import { REPO_ROOT } from './app/cdk-context';
import { synthesizePlatform } from './app/synthesize';
import { checkParity } from './parity/check';
import { formatParityReport } from './parity/report';

/**
 * The main job (`npm start`): synthesizes every environment into `cdk.out`, prints what each
 * one holds, then the parity report. Exits 1 when parity fails, 2 on a bad configuration.
 */
function main(): number {
  const started = Date.now();
  let platform;
  try {
    platform = synthesizePlatform({ outdir: join(REPO_ROOT, 'cdk.out') });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const { assembly, config } = platform;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`synthesized ${config.environments.length} environments into cdk.out in ${seconds} s`);
  for (const env of config.environments) {
    const stacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId.startsWith(`${env.stageId}/`));
    const summary = stacks
      .map((s) => `${s.hierarchicalId} (${Object.keys(s.template.Resources ?? {}).length} resources)`)
      .join(', ');
    console.log(`  ${env.name.padEnd(8)} ${env.account} ${env.region.padEnd(14)} ${summary}`);
    const served = Object.entries(env.deployments).map(
      ([model, pin]) => `${model} (${pin.modelPackageArn.split(':').pop()})`,
    );
    const unserved = config.models.map((m) => m.name).filter((m) => !(m in env.deployments));
    console.log(
      `           serves: ${served.join(', ') || 'nothing yet'}` +
        (unserved.length > 0
          ? `; not served (no pin in deployments/${env.name}.json): ${unserved.join(', ')}`
          : ''),
    );
  }
  console.log(`deploy one environment with: npx cdk deploy '${config.environments[0].stageId}/*'\n`);

  const result = checkParity(assembly, config);
  console.log(formatParityReport(result));
  return result.violations.length === 0 ? 0 : 1;
}

process.exitCode = main();
