import type { App } from 'aws-cdk-lib';
import type { MlEnvConfig } from '../../../config';
import { MlEnvironmentStage } from '../stages/ml-environment-stage';

/** The CDK context key of the code version recorded in model lineage. */
export const CODE_VERSION_CONTEXT = 'mlenv:codeVersion';

/**
 * Adds one `MlEnvironmentStage` per configured environment to `app`. The code version comes from
 * the context key `mlenv:codeVersion` (bin/app.ts sets it from git), else `unknown`.
 */
export function addEnvironmentStages(app: App, config: MlEnvConfig): MlEnvironmentStage[] {
  const codeVersion = String(app.node.tryGetContext(CODE_VERSION_CONTEXT) ?? 'unknown');
  return config.environments.map(
    (environment) =>
      new MlEnvironmentStage(app, environment.stageId, {
        project: config.project,
        environment,
        models: config.models,
        codeVersion,
        production: environment.name === config.reference,
      }),
  );
}
