import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../config';
import { REPO_ROOT } from '../../../config/repo-root';
import { ACTION_PINS_FILE, newestPins, readActionPins, renderActionPins } from './action-pins';
import { platformWorkflowFiles, staleWorkflowFiles } from './workflow-files';

const USAGE = `usage: npm run workflows [-- --check | --update-actions]

Writes .github/workflows/test.yml and deploy.yml from config/environments.ts (and the CDK context),
each action pinned to the commit lib/platform/delivery/action-pins.json gives it, and
.github/oidc-subject-claims.json (the repository's OIDC subject customization);
with --check, writes nothing and exits 1 if a file is not what it would write;
with --update-actions, first moves each pin to the newest release tag of its major version
(git ls-remote --tags https://github.com/<owner>/<repo>: needs network to github.com).`;

function main(argv: string[]): number {
  if (argv.some((a) => a === '-h' || a === '--help')) return (console.log(USAGE), 0);
  const unknown = argv.filter((a) => a !== '--check' && a !== '--update-actions');
  if (unknown.length > 0) return (console.error(`unknown argument: ${unknown[0]}\n${USAGE}`), 2);
  if (argv.includes('--check') && argv.includes('--update-actions')) {
    return (console.error(`--check and --update-actions exclude each other\n${USAGE}`), 2);
  }

  if (argv.includes('--update-actions')) {
    const pins = readActionPins();
    let newest;
    try {
      newest = newestPins(pins, (url) =>
        execFileSync('git', ['ls-remote', '--tags', url], {
          encoding: 'utf8',
          timeout: 60_000,
          stdio: 'pipe',
        }),
      );
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      console.error(`workflows: --update-actions: ${(stderr || message).trim().split('\n')[0]}`);
      return 1;
    }
    newest.forEach((pin, i) => {
      if (pin.sha !== pins[i].sha)
        console.log(`workflows: ${pin.action} ${pins[i].tag} -> ${pin.tag} (${pin.sha})`);
    });
    writeFileSync(ACTION_PINS_FILE, renderActionPins(newest));
  }
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
