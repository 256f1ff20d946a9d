import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MlEnvConfig, platformConfig } from '../../../config';
import { cdkJsonContext } from '../../../config/cdk-json-context';
import { REPO_ROOT } from '../../../config/repo-root';
import { type ActionPin, readActionPins } from './action-pins';
import { OIDC_SUBJECT_CLAIMS_FILE, oidcSubjectCustomization } from './github-oidc-subject';
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

/**
 * Each file `npm run workflows` writes (path relative to the repository root) with its content:
 * the workflows, and the repository's OIDC subject customization their deploy roles rely on.
 */
export function renderWorkflowFiles(
  config: MlEnvConfig,
  pins: readonly ActionPin[] = readActionPins(),
): Record<string, string> {
  return {
    [TEST_WORKFLOW]: renderTestWorkflow(pins),
    [DEPLOY_WORKFLOW]: renderDeployWorkflow(config, pins),
    [OIDC_SUBJECT_CLAIMS_FILE]: compactJson(oidcSubjectCustomization()),
  };
}

/** JSON as prettier writes it: two-space indents, arrays of plain values on one line. */
function compactJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(
    /\[\n\s*([^[\]{}]*?)\n\s*\]/g,
    (_m, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`,
  )}\n`;
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
