import { Command } from 'commander';
import { describeAwsError } from './aws-errors';
import { costCommand } from './cost-command';
import { dataCommand } from './data-command';
import { decisionCommand, envsCommand, modelsCommand } from './environment-commands';
import { localCommand } from './local-command';
import { logsCommand } from './logs-command';
import { modelCommand } from './model-command';
import { promoteCommand } from './promote-command';
import { runsCommand } from './runs-command';
import { parityCommand } from './parity-command';
import { smokeCommand } from './smoke-command';
import { statusCommand } from './status-command';
import { trainCommand } from './train-command';
import { batchCommand } from './batch-command';

/** The `mlenv` command: commands about any configured environment, and `local`. */
export function mlenvProgram(): Command {
  return new Command('mlenv')
    .description('mlenv: machine-learning environments on AWS')
    .showHelpAfterError()
    .option('--debug', 'print stack traces of errors')
    .addCommand(envsCommand())
    .addCommand(dataCommand())
    .addCommand(trainCommand())
    .addCommand(batchCommand())
    .addCommand(modelsCommand())
    .addCommand(modelCommand())
    .addCommand(runsCommand())
    .addCommand(decisionCommand('approve'))
    .addCommand(decisionCommand('reject'))
    .addCommand(promoteCommand())
    .addCommand(smokeCommand())
    .addCommand(statusCommand())
    .addCommand(logsCommand())
    .addCommand(parityCommand())
    .addCommand(costCommand())
    .addCommand(localCommand());
}

/** Runs the command line; errors are printed without a stack trace and exit 1. */
export async function runMlenv(argv: readonly string[] = process.argv): Promise<void> {
  // A reader that stops early (`mlenv models dev --model churn | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  try {
    await mlenvProgram().parseAsync(argv);
  } catch (error) {
    console.error(`mlenv: ${describeAwsError(error)}`);
    if (argv.includes('--debug') && error instanceof Error) console.error(error.stack);
    process.exitCode = 1;
  }
}
