#!/usr/bin/env node
import { ConfigError, platformConfig } from '../config';
import { gitCodeVersion } from '../lib/platform/app/code-version';
import { addEnvironmentStages, CODE_VERSION_CONTEXT } from '../lib/platform/app/platform';
import { addDelivery } from '../lib/platform/delivery/delivery';
import { platformApp } from '../lib/platform/app/platform-app';

const app = platformApp();
if (app.node.tryGetContext(CODE_VERSION_CONTEXT) === undefined) {
  app.node.setContext(CODE_VERSION_CONTEXT, gitCodeVersion());
}
try {
  const config = platformConfig({ context: app.node.getAllContext() });
  const stages = addEnvironmentStages(app, config);
  // After the stages are complete: the pipeline synthesizes the stages it deploys.
  addDelivery(app, config, stages);
  // Say which models an environment does not serve yet (stderr: stdout may carry a template).
  for (const stage of stages) {
    if (stage.serving.unserved.length > 0) {
      const env = stage.environment.name;
      console.error(
        `mlenv: ${env} serves no endpoint for ${stage.serving.unserved.join(', ')} (no pin in deployments/${env}.json)`,
      );
    }
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
