import type { StepRunner } from '../local/emulator-up';

/** Seconds, to one decimal. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Prints each step as it starts (`▸ name`) and as it ends, with its duration (`✓ name (2.1 s)` or
 * `✗ name (2.1 s)`: it threw, or it ran an execution that failed); details are indented under it.
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
        write(`${endedInFailure(result) ? '✗' : '✓'} ${name} (${seconds(Date.now() - started)})`);
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

/**
 * Whether a step's work returned a failure rather than threw one: an execution it ran whose
 * status is one of Step Functions' ends that are not success.
 */
function endedInFailure(result: unknown): boolean {
  if (typeof result !== 'object' || result === null || !('status' in result)) return false;
  return ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(String(result.status));
}
