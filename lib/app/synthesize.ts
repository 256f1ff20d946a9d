import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type MlEnvConfig, platformConfig } from '../../config';
import type { MlEnvironmentStage } from '../stages/ml-environment-stage';
import { cdkJsonContext } from './cdk-context';
import { addPlatform } from './platform';
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

/** Builds the platform's app the way `bin/app.ts` does under the CDK CLI, without synthesizing it. */
export function buildPlatformApp(options: PlatformAppOptions = {}): PlatformApp {
  // The CDK CLI records construct paths in templates; do the same so output matches `cdk synth`.
  const context = { 'aws:cdk:enable-path-metadata': true, ...cdkJsonContext(), ...options.context };
  const app = platformApp({ outdir: options.outdir, context });
  const config = options.config ?? platformConfig({ context: app.node.getAllContext() });
  return { app, config, stages: addPlatform(app, config).stages };
}

/** Synthesizes every environment of the platform. */
export function synthesizePlatform(options: PlatformAppOptions = {}): PlatformApp & {
  readonly assembly: CloudAssembly;
} {
  const platform = buildPlatformApp(options);
  return { ...platform, assembly: platform.app.synth() };
}
