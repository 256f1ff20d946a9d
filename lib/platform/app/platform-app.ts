import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { ValidatedTemplatesCache } from '../../../constructs';
import { nagPacks } from '../compliance/nag-packs';
import { REPO_ROOT } from '../../../config/repo-root';
import { SharedCloudFormationValidation } from './shared-cloudformation-validation';

const AWS_CDK_LIB_VERSION = (
  JSON.parse(readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')) as { version: string }
).version;
const VALIDATE_AGAINST_DEFAULT_RULES = '@aws-cdk/core:validateAgainstDefaultRules';

/** Where synths record the templates CloudFormation validation has passed (see `platformApp`). */
export const VALIDATED_TEMPLATES_DIRECTORY = join(
  REPO_ROOT,
  'node_modules',
  '.cache',
  'mlenv',
  'cloudformation-validate',
);

/**
 * The app every synth of this platform starts from (`cdk synth`/`deploy`, `npm start`, parity,
 * tests), with its checks: cdk-nag's packs, and aws-cdk-lib's CloudFormation validation on every
 * template, its findings as errors, but once per template content: its engine costs seconds to
 * start in each process, and most synths write templates it has already passed (docs/guide/guardrails.md,
 * "Where the checks run"). The stages add the policy pack and the template limits.
 */
export function platformApp(props: AppProps = {}): App {
  const app = new App({ ...props, builtinCloudFormationValidation: false });
  // Without this flag, aws-cdk-lib reports the validation's errors as warnings and synth succeeds.
  app.node.setContext(VALIDATE_AGAINST_DEFAULT_RULES, true);
  Validations.of(app).addPlugins(
    ...nagPacks(app),
    new ValidatedTemplatesCache({
      plugin: new SharedCloudFormationValidation(),
      directory: VALIDATED_TEMPLATES_DIRECTORY,
      // The engine's rules and resource schemas ship with aws-cdk-lib.
      key: `aws-cdk-lib ${AWS_CDK_LIB_VERSION}`,
    }),
  );
  return app;
}
