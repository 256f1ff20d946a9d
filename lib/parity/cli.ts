import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config';
import { synthesizePlatform } from '../app/synthesize';
import { checkParity } from './check';
import { formatParityReport, parityJson } from './report';

const USAGE = `usage: npm run parity [-- --json]

Synthesizes every environment and fails (exit 1) on any difference between them that no knob
of the configuration explains. --json prints the result as JSON.`;

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--json');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (unknown.length > 0) {
    console.error(`unknown argument: ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const outdir = mkdtempSync(join(tmpdir(), 'mlenv-parity-'));
  try {
    const { assembly, config } = synthesizePlatform({ outdir });
    const result = checkParity(assembly, config);
    console.log(argv.includes('--json') ? parityJson(result) : formatParityReport(result));
    return result.violations.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
