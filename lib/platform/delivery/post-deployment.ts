import type { DeployTarget } from './deploy-targets';

/** The AWS profile the checks use: the environment's check role, assumed with the build's own credentials. */
const CHECK_PROFILE = 'delivery-check';

/**
 * What runs after an environment is deployed, in the repository at the deployed commit with the
 * synthesized assembly in `cdk.out`: the parity check of exactly that assembly, then a smoke test
 * of every model the environment serves, as the environment's check role (CodeBuild's container
 * credentials assume it).
 */
export function postDeploymentCommands(target: DeployTarget): string[] {
  const profile = [
    `[profile ${CHECK_PROFILE}]`,
    `role_arn = ${target.checkRoleArn}`,
    'credential_source = EcsContainer',
    `region = ${target.region}`,
  ].join('\\n');
  return [
    'npm ci --no-audit --no-fund',
    'npm run parity -- --assembly cdk.out',
    `printf '${profile}\\n' > "$CODEBUILD_SRC_DIR/.delivery-check-aws-config"`,
    `AWS_CONFIG_FILE="$CODEBUILD_SRC_DIR/.delivery-check-aws-config" npx mlenv smoke ${target.environment} --served --profile ${CHECK_PROFILE}`,
  ];
}
