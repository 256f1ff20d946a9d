/** The environment that runs on a laptop, in the AWS emulator (`mlenv local up`). */
export const LOCAL_ENVIRONMENT = 'local';

/**
 * The command that deploys an environment, as messages advise it: the local one is deployed into
 * the emulator by `mlenv local up`; `cdk deploy` of its stage would target the AWS account of the
 * caller's credentials instead.
 */
export function deployCommand(environment: { readonly name: string; readonly stageId: string }): string {
  return environment.name === LOCAL_ENVIRONMENT
    ? 'npx mlenv local up'
    : `npx cdk deploy '${environment.stageId}/*'`;
}
