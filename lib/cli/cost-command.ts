import { Command } from 'commander';
import { costJson, formatCostReport } from '../tools/cost/report';
import { runCost } from '../tools/cost/run';

/** `mlenv cost [env]`: what each environment costs a month while idle, and per training run. */
export function costCommand(): Command {
  return new Command('cost')
    .description(
      'estimate what each environment costs a month while idle, and per training run, from the synthesized templates and the price table in lib/tools/cost/prices.ts (no AWS credentials needed); exit 1 when a price is missing',
    )
    .argument('[env]', 'only this environment (default: every configured environment)')
    .option('--assembly <dir>', 'estimate this cloud assembly (from `npx cdk synth`) instead of synthesizing')
    .option('--json', 'print the estimate as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv cost dev\n  $ npx cdk synth -o cdk.out && npx mlenv cost --assembly cdk.out --json',
    )
    .action((env: string | undefined, options: { assembly?: string; json?: boolean }) => {
      const report = runCost({ environment: env, assemblyDir: options.assembly });
      console.log(options.json ? costJson(report) : formatCostReport(report));
      if (report.missing.length > 0) process.exitCode = 1;
    });
}
