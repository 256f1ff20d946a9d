import { Command } from 'commander';
import { formatParityReport, parityJson } from '../tools/parity/report';
import { runParity } from '../tools/parity/run';

/** `mlenv parity`: the environments differ only where the configuration's knobs say so. */
export function parityCommand(): Command {
  return new Command('parity')
    .description(
      "check that the environments differ only where the configuration's knobs say so (exit 1 on an undeclared difference)",
    )
    .option('--assembly <dir>', 'check this cloud assembly (from `npx cdk synth`) instead of synthesizing')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  $ npx cdk synth -o cdk.out && npx mlenv parity --assembly cdk.out')
    .action((options: { assembly?: string; json?: boolean }) => {
      const result = runParity(options.assembly);
      console.log(options.json ? parityJson(result) : formatParityReport(result));
      if (result.violations.length > 0) process.exitCode = 1;
    });
}
