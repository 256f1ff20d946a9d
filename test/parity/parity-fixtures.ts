import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MlEnvConfig, platformConfig } from '../../config';
import { buildPlatformApp } from '../../lib/platform/app/synthesize';
import { checkParity } from '../../lib/tools/parity/check';
import type { ParityResult } from '../../lib/tools/parity/compare';
import type { MlEnvironmentStage } from '../../lib/platform/stages/ml-environment-stage';

/**
 * Synthesizes the platform (optionally with another config, optionally changed) and checks parity;
 * `explain: false` skips attributing differences to knobs (the renderings per knob group).
 */
export function parity(
  options: { config?: MlEnvConfig; change?: (stage: MlEnvironmentStage) => void; explain?: boolean } = {},
): ParityResult {
  const { app, config, stages } = buildPlatformApp({
    outdir: mkdtempSync(join(tmpdir(), 'mlenv-parity-test-')),
    config: options.config,
  });
  if (options.change) stages.forEach(options.change);
  return checkParity(app.synth(), config, { explain: options.explain });
}

/** True for the stage of the environment the others are compared against. */
export const isReference = (stage: MlEnvironmentStage, config: MlEnvConfig = platformConfig()) =>
  stage.environment.name === config.reference;
