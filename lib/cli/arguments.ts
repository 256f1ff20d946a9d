import { InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';

/** Parses a whole number of at least 1 (`--rows 300`). */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/** Parses a number greater than 0 (`--shift 1.5`). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number greater than 0');
  return n;
}

/** The text of a CSV file given on the command line, with a clear error when it cannot be read. */
export function readCsv(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (text.trim() === '') throw new Error(`${path} is empty`);
  return text;
}
