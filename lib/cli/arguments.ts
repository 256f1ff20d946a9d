import { InvalidArgumentError } from 'commander';

/** Parses a whole number of at least 1 (`--rows 300`). */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}
