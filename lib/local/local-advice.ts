/**
 * The CLI's shared messages say how to deploy an environment with `npx cdk deploy '<Stage>/*'`.
 * For the local environment that command would target the AWS account of the caller's
 * credentials, not the emulator: its deploy is `mlenv local up`.
 */
export const LOCAL_DEPLOY_COMMAND = 'npx mlenv local up';

/** `error` with every advice to `cdk deploy` the local stage replaced by the local deploy. */
export function withLocalDeployAdvice(error: unknown, stageId: string): unknown {
  if (!(error instanceof Error)) return error;
  const advice = new RegExp(`npx cdk deploy '${stageId}/\\*'`, 'g');
  if (!advice.test(error.message)) return error;
  const local = new Error(error.message.replace(advice, LOCAL_DEPLOY_COMMAND), { cause: error });
  local.name = error.name;
  return local;
}
