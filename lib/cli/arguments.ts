import { InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { isRunString, RUN_STRING_RULES } from '../../constructs';
import { checkDatasetVersion } from '../ops/datasets';

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

/** Parses a name that becomes part of S3 keys (`--dataset churn`): a name of the grammar of run-time strings. */
export function runName(value: string): string {
  if (!isRunString('name', value)) throw new InvalidArgumentError(`must be ${RUN_STRING_RULES.name.rule}`);
  return value;
}

/** Parses a dataset version (`--dataset-version 3f2a9c0d1e4b5a69`): a name of the grammar, not `latest`. */
export function datasetVersionArgument(value: string): string {
  try {
    return checkDatasetVersion('the version', value);
  } catch {
    throw new InvalidArgumentError(`must be a dataset version: ${RUN_STRING_RULES.name.rule} (not 'latest')`);
  }
}
