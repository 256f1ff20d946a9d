import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../config';
import { REPO_ROOT } from '../app/cdk-context';
import { platformWorkflowFiles, staleWorkflowFiles } from './workflow-files';

const USAGE = `usage: npm run workflows [-- --check]

Writes .github/workflows/test.yml and deploy.yml from config/environments.ts (and the CDK context);
with --check, writes nothing and exits 1 if either file is not what it would write.`;

function main(argv: string[]): number {
  if (argv.some((a) => a === '-h' || a === '--help')) return (console.log(USAGE), 0);
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) return (console.error(`unknown argument: ${unknown[0]}\n${USAGE}`), 2);

  const files = platformWorkflowFiles();
  const stale = staleWorkflowFiles(files);
  if (argv.includes('--check')) {
    if (stale.length === 0) return (console.log('workflows: up to date'), 0);
    console.error(`workflows: stale, run \`npm run workflows\`: ${stale.join(', ')}`);
    return 1;
  }
  for (const path of stale) {
    mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
    writeFileSync(join(REPO_ROOT, path), files[path]);
    console.log(`workflows: wrote ${path}`);
  }
  if (stale.length === 0) console.log('workflows: up to date');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // A bad configuration: its problems, not a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
