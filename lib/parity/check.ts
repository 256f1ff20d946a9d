import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { KNOB_EFFECTS, type MlEnvConfig } from '../../config';
import { compareEnvironments, type ParityResult } from './compare';
import { environmentTemplates } from './templates';

/** Checks that the assembly's environments differ only where the configuration's knobs say so. */
export function checkParity(assembly: CloudAssembly, config: MlEnvConfig): ParityResult {
  return compareEnvironments(
    environmentTemplates(assembly, config),
    KNOB_EFFECTS,
    config.reference,
    config.models.map((m) => m.name),
  );
}
