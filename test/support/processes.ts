import { readFileSync } from 'node:fs';

/** Whether `pid` runs (a zombie has ended: only its exit status is left for its parent). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits until `condition` holds, checking every 100 ms; fails after `ms`. */
export async function until(condition: () => boolean, ms: number): Promise<void> {
  for (const started = Date.now(); !condition();) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
