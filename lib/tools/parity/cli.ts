import { ConfigError } from '../../../config';
import { formatParityReport, parityJson } from './report';
import { runParity } from './run';

const USAGE = `usage: npm run parity [-- [--assembly <dir>] [--json]]

Fails (exit 1) where an environment is not the reference environment rendered with its knob
values (in process, offline), identities normalized; shows how the environments differ, each
difference attributed to the knob groups that make it. Synthesizes every environment, or with
--assembly checks the cloud assembly that \`npx cdk synth\` wrote (cdk.out), so that CI checks
exactly what it deploys (the renderings are made by this checkout's code).
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
  try {
    const result = runParity(args.assembly);
    console.log(args.json ? parityJson(result) : formatParityReport(result));
    return result.violations.length === 0 ? 0 : 1;
  } catch (error) {
    // A bad configuration, or an assembly that is not one of this platform's: say so, no stack trace.
    if (!(error instanceof ConfigError) && !(args.assembly && error instanceof Error)) throw error;
    console.error(error.message);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
