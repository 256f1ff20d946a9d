import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MlEnvConfig, platformConfig } from '../../config';
import { cdkJsonContext, REPO_ROOT } from '../app/cdk-context';
import { DEPLOY_WORKFLOW, renderDeployWorkflow, renderTestWorkflow, TEST_WORKFLOW } from './github-workflows';

/**
 * The context `npx cdk synth` sees without `-c`: `cdk.context.json` (where a team may keep its
 * account ids, `mlenv:account:<env>`) under `cdk.json`'s context, which wins as in the CDK CLI.
 * The workflows must name the accounts the synth job will deploy to.
 */
export function workflowContext(
  contextFile: string = join(REPO_ROOT, 'cdk.context.json'),
): Record<string, unknown> {
  const saved = existsSync(contextFile)
    ? (JSON.parse(readFileSync(contextFile, 'utf8')) as Record<string, unknown>)
    : {};
  return { ...saved, ...cdkJsonContext() };
}

/** Each workflow file (path relative to the repository root) with its content. */
export function renderWorkflowFiles(config: MlEnvConfig): Record<string, string> {
  return { [TEST_WORKFLOW]: renderTestWorkflow(), [DEPLOY_WORKFLOW]: renderDeployWorkflow(config) };
}

/** This platform's workflow files, rendered from its configuration and context. */
export function platformWorkflowFiles(): Record<string, string> {
  return renderWorkflowFiles(platformConfig({ context: workflowContext() }));
}

/** The files of `expected` that are missing under `root` or differ from their rendering. */
export function staleWorkflowFiles(expected: Record<string, string>, root: string = REPO_ROOT): string[] {
  return Object.entries(expected)
    .filter(([path, content]) => {
      const file = join(root, path);
      return !existsSync(file) || readFileSync(file, 'utf8') !== content;
    })
    .map(([path]) => path);
}
