import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type EnvironmentConfig, type MlEnvConfig, platformConfig } from '../../config';

/** The environment variable that tells test workers where global setup synthesized the platform. */
export const OUTDIR_VARIABLE = 'MLENV_TEST_CDK_OUT';

/** Context of the test run's synthesis: a fixed code version, so snapshots do not follow git. */
export const TEST_CONTEXT = { 'mlenv:codeVersion': 'test-version' };

/** The platform as synthesized once for this test run (see global-setup.ts). */
export function platformAssembly(): { assembly: CloudAssembly; config: MlEnvConfig } {
  const outdir = process.env[OUTDIR_VARIABLE];
  if (!outdir)
    throw new Error(
      `${OUTDIR_VARIABLE} is not set: run the tests with jest (see test/support/global-setup.ts)`,
    );
  return { assembly: new CloudAssembly(outdir), config: platformConfig() };
}

/**
 * The ids of an environment's stacks, as the README lists them: the shared ones, `Network` where
 * there is a VPC, and one per model (`<Model>Model`, the model's name in PascalCase).
 */
export function expectedStackIds(config: MlEnvConfig, env: EnvironmentConfig): string[] {
  const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
  return [
    'Dashboard',
    'Operations',
    'Registry',
    'Serving',
    'Storage',
    'Training',
    ...(env.network === 'vpc' ? ['Network'] : []),
    ...config.models.map((m) => `${pascal(m.name)}Model`),
  ].sort();
}
