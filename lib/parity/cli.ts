import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ConfigError } from '../../config';
import { synthesizePlatform } from '../app/synthesize';
import { assemblyConfig } from './assembly-config';
import { checkParity } from './check';
import { formatParityReport, parityJson } from './report';

const USAGE = `usage: npm run parity [-- [--assembly <dir>] [--json]]

Fails (exit 1) on any difference between the environments that no knob of the configuration
explains. Synthesizes every environment, or with --assembly checks the cloud assembly that
\`npx cdk synth\` wrote (cdk.out), so that CI checks exactly what it deploys.
--json prints the result as JSON.`;

interface ParityArguments {
  readonly json: boolean;
  readonly assembly?: string;
}

function parseArguments(argv: readonly string[]): ParityArguments | string {
  let json = false;
  let assembly: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = true;
    else if (argv[i] === '--assembly' && argv[i + 1] !== undefined) assembly = argv[++i];
    else if (argv[i] === '--assembly') return '--assembly needs a directory';
    else return `unknown argument: ${argv[i]}`;
  }
  return { json, assembly };
}

function readAssembly(dir: string) {
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`${dir} is not a cloud assembly (no manifest.json): run npx cdk synth -o ${dir} first`);
  }
  const assembly = new CloudAssembly(dir);
  return { assembly, config: assemblyConfig(assembly) };
}

function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArguments(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  const outdir = args.assembly ? undefined : mkdtempSync(join(tmpdir(), 'mlenv-parity-'));
  try {
    const { assembly, config } = args.assembly ? readAssembly(args.assembly) : synthesizePlatform({ outdir });
    const result = checkParity(assembly, config);
    console.log(args.json ? parityJson(result) : formatParityReport(result));
    return result.violations.length === 0 ? 0 : 1;
  } catch (error) {
    // A bad configuration, or an assembly that is not one of this platform's: say so, no stack trace.
    if (!(error instanceof ConfigError) && !(args.assembly && error instanceof Error)) throw error;
    console.error(error.message);
    return 2;
  } finally {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
