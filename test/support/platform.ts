import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type MlEnvConfig, platformConfig } from '../../config';
import { REPO_ROOT } from '../../lib/app/cdk-context';

/** Where the test run's global setup synthesized the platform. */
export const PLATFORM_OUTDIR = join(REPO_ROOT, 'test', '.out', 'cdk.out');

/** Context of the test run's synthesis: a fixed code version, so snapshots do not follow git. */
export const TEST_CONTEXT = { 'mlenv:codeVersion': 'test-version' };

/** The platform as synthesized once for this test run (see global-setup.ts). */
export function platformAssembly(): { assembly: CloudAssembly; config: MlEnvConfig } {
  return { assembly: new CloudAssembly(PLATFORM_OUTDIR), config: platformConfig() };
}
