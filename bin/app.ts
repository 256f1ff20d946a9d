#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, platformConfig } from '../config';
import { addEnvironmentStages } from '../lib/app/platform';

const app = new App();
try {
  addEnvironmentStages(app, platformConfig({ context: app.node.getAllContext() }));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
