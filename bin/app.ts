#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, platformConfig } from '../config';
import { gitCodeVersion } from '../lib/app/code-version';
import { addEnvironmentStages, CODE_VERSION_CONTEXT } from '../lib/app/platform';

const app = new App();
if (app.node.tryGetContext(CODE_VERSION_CONTEXT) === undefined) {
  app.node.setContext(CODE_VERSION_CONTEXT, gitCodeVersion());
}
try {
  addEnvironmentStages(app, platformConfig({ context: app.node.getAllContext() }));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
