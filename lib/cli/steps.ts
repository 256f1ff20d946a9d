import type { StepRunner } from '../local/emulator-up';

/** Seconds, to one decimal. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Prints each step as it starts (`▸ name`) and as it ends, with its duration (`✓ name (2.1 s)` or
 * `✗ name (2.1 s)`); details are indented under it.
 */
export function consoleSteps(
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): StepRunner {
  return {
    async step(name, work) {
      write(`▸ ${name}`);
      const started = Date.now();
      try {
        const result = await work();
        write(`✓ ${name} (${seconds(Date.now() - started)})`);
        return result;
      } catch (error) {
        write(`✗ ${name} (${seconds(Date.now() - started)})`);
        throw error;
      }
    },
    detail(line) {
      write(`    ${line}`);
    },
  };
}
