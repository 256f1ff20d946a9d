import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { bucketNamePrefix, type DeploymentPin, type MlEnvConfig, modelResourceName } from '../../../config';
import { buildPlatformApp } from '../../platform/app/synthesize';

/** The models an environment of the configuration does not serve (no pin). */
export function unservedModels(config: MlEnvConfig, environment: string): string[] {
  const env = config.environments.find((e) => e.name === environment);
  return config.models.map((m) => m.name).filter((model) => !env?.deployments[model]);
}

/**
 * The configuration with every model served in every environment: each missing pin replaced by a
 * stand-in package of the environment's own registry (version 1, with a drift baseline, so that
 * the Serving stack is what a real pin gives). Existing pins are kept. Only for estimates: the
 * packages need not exist.
 */
export function everyModelServed(config: MlEnvConfig): MlEnvConfig {
  return {
    ...config,
    environments: config.environments.map((env) => {
      const deployments: Record<string, DeploymentPin> = { ...env.deployments };
      for (const model of config.models) {
        if (deployments[model.name]) continue;
        const group = modelResourceName({ project: config.project, environment: env }, model.name);
        const baseline = `s3://${bucketNamePrefix({ project: config.project, environment: env })}-models/${model.name}/runs/cost-estimate/baseline`;
        deployments[model.name] = {
          modelPackageArn: `arn:aws:sagemaker:${env.region}:${env.account}:model-package/${group}/1`,
          approvedBy: 'mlenv cost (a stand-in pin for the estimate)',
          approvedAt: '2026-01-01T00:00:00Z',
          source: `stand-in for a package of ${group}`,
          artifactFilesSha256: '0'.repeat(64), // nothing is loaded for an estimate
          dataQualityBaseline: {
            statisticsS3Uri: `${baseline}/statistics.json`,
            constraintsS3Uri: `${baseline}/constraints.json`,
          },
        };
      }
      return { ...env, deployments };
    }),
  };
}

/**
 * Synthesizes the platform with every model served (see `everyModelServed`) into a temporary
 * directory and hands its assembly to `read` (the directory is removed afterwards).
 */
export function withServedPlatform<T>(
  config: MlEnvConfig,
  read: (assembly: CloudAssembly, served: MlEnvConfig) => T,
  context?: Record<string, unknown>,
): T {
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-cost-served-'));
  try {
    const served = everyModelServed(config);
    const { app } = buildPlatformApp({ outdir, config: served, context });
    return read(app.synth(), served);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
