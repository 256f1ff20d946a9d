import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type MlEnvConfig, platformConfig } from '../../../config';
import type { MlEnvironmentStage } from '../stages/ml-environment-stage';
import { cdkJsonContext } from '../../../config/cdk-json-context';
import { addDelivery } from '../delivery/delivery';
import { addEnvironmentStages } from './platform';
import { platformApp } from './platform-app';

export interface PlatformAppOptions {
  /** Where to write the cloud assembly. @default - a temporary directory */
  readonly outdir?: string;
  /** Extra CDK context, on top of `cdk.json`'s. @default - none */
  readonly context?: Record<string, unknown>;
  /** The configuration. @default - this platform's, from `config/` */
  readonly config?: MlEnvConfig;
}

export interface PlatformApp {
  readonly app: App;
  readonly config: MlEnvConfig;
  readonly stages: readonly MlEnvironmentStage[];
}

/**
 * Builds the platform's environments the way `bin/app.ts` does under the CDK CLI, without
 * synthesizing them, and without the delivery pipeline: CDK Pipelines synthesizes the stages it
 * deploys as soon as they are added to it, so a caller that changes a stage before synth (tests
 * do) adds the pipeline afterwards, as `synthesizePlatform` does.
 */
export function buildPlatformApp(options: PlatformAppOptions = {}): PlatformApp {
  // The CDK CLI records construct paths in templates; do the same so output matches `cdk synth`.
  const context = { 'aws:cdk:enable-path-metadata': true, ...cdkJsonContext(), ...options.context };
  const app = platformApp({ outdir: options.outdir, context });
  const config = options.config ?? platformConfig({ context: app.node.getAllContext() });
  return { app, config, stages: addEnvironmentStages(app, config) };
}

/** Synthesizes the whole platform: every environment, and the delivery pipeline with its access stages. */
export function synthesizePlatform(options: PlatformAppOptions = {}): PlatformApp & {
  readonly assembly: CloudAssembly;
} {
  const platform = buildPlatformApp(options);
  addDelivery(platform.app, platform.config, platform.stages);
  return { ...platform, assembly: platform.app.synth() };
}
