import { Command } from 'commander';
import { localCommand } from './local-command';

/** The `mlenv` command: one subcommand per area (`local` now). */
export function mlenvProgram(): Command {
  return new Command('mlenv')
    .description('mlenv: machine-learning environments on AWS')
    .showHelpAfterError()
    .addCommand(localCommand());
}

/** Runs the command line; errors are printed without a stack trace and exit 1. */
export async function runMlenv(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await mlenvProgram().parseAsync(argv);
  } catch (error) {
    console.error(`mlenv: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
