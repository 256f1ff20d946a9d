import type { App } from 'aws-cdk-lib';
import type { MlEnvConfig } from '../../config';
import { MlEnvironmentStage } from '../stages/ml-environment-stage';

/** Adds one `MlEnvironmentStage` per configured environment to `app`. */
export function addEnvironmentStages(app: App, config: MlEnvConfig): MlEnvironmentStage[] {
  return config.environments.map(
    (environment) =>
      new MlEnvironmentStage(app, environment.stageId, { project: config.project, environment }),
  );
}
