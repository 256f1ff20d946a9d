import RULES from './run-string-grammar.json';

/**
 * The one grammar of the run-time strings that become part of an S3 key or a job name, declared
 * once in `run-string-grammar.json` (which the Python scripts read too):
 *
 * - a `name` (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`, SageMaker's name syntax, made of S3's safe
 *   characters only): a dataset version (it becomes `<model>/versions/<v>/`,
 *   `<model>/data/features/<v>/` and `<model>/data/etl-reports/<v>/`), an execution's reason (the
 *   package's `trigger`, local execution names), a dataset's name at run time (`--dataset`), an
 *   endpoint's or variant's name (the local stand-in's capture folders);
 * - a `location` (an `s3://` URI whose key has no `.`, `..` or empty segment): a dataset's
 *   `datasetS3Uri`, which jobs read (Spark normalizes `..`; a prefix test does not).
 *
 * Every entry checks them before any job starts: the state machines (`runStringConditions`, on
 * the execution input and on what `latest.json` names), the CLI (`checkRunString`), the scripts.
 */
export type RunStringKind = 'name' | 'location';

export interface RunStringRule {
  /** The rule in words, as errors state it. */
  readonly rule: string;
  /** A regular expression the whole string matches (no flags; the same in JavaScript, Python and JSONata). */
  readonly pattern: string;
  /** The characters it may have, as the body of a character class. */
  readonly characters: string;
  readonly maxLength: number;
}

export const RUN_STRING_RULES: Readonly<Record<RunStringKind, RunStringRule>> = {
  name: RULES.name,
  location: RULES.location,
};

/**
 * The grammar as JSON (without the file's comment), as a deployment passes it to the scripts that
 * check run-time strings themselves (`--run-string-grammar`, `MLENV_RUN_STRING_GRAMMAR`).
 */
export const RUN_STRING_GRAMMAR_JSON = JSON.stringify(RUN_STRING_RULES);

/** The run-time strings of an execution input (`TrainingPipelineInput`), by kind. */
export const INPUT_STRINGS = {
  datasetS3Uri: 'location',
  datasetVersion: 'name',
  reason: 'name',
} as const satisfies Record<string, RunStringKind>;

const compiled = Object.fromEntries(
  Object.entries(RUN_STRING_RULES).map(([kind, r]) => [
    kind,
    { whole: new RegExp(r.pattern), other: new RegExp(`[^${r.characters}]`) },
  ]),
) as Record<RunStringKind, { whole: RegExp; other: RegExp }>;

/** Whether `value` is a string of the grammar's `kind`: length first, then characters, then the pattern. */
export function isRunString(kind: RunStringKind, value: unknown): value is string {
  const rule = RUN_STRING_RULES[kind];
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= rule.maxLength &&
    !compiled[kind].other.test(value) &&
    compiled[kind].whole.test(value)
  );
}

/** A refused run-time string, naming the field and the rule. */
export class RunStringError extends Error {
  public constructor(
    public readonly field: string,
    public readonly kind: RunStringKind,
    value: unknown,
  ) {
    super(`${field} ${shown(value)} is not valid: it must be ${RUN_STRING_RULES[kind].rule}`);
    this.name = 'RunStringError';
  }
}

/** `value` if it is a string of the grammar's `kind`; else throws a `RunStringError` naming `field`. */
export function checkRunString(field: string, kind: RunStringKind, value: unknown): string {
  if (!isRunString(kind, value)) throw new RunStringError(field, kind, value);
  return value;
}

/** A value as an error shows it: quoted, control characters escaped, long ones cut. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  const text = JSON.stringify(value.length > 60 ? value.slice(0, 60) : value);
  return value.length > 60 ? `${text}... (${value.length} characters)` : text;
}

/**
 * A JSONata expression (without its `{% %}`) that is true when the value at `path` (a JSONata
 * path, `$states.input.datasetVersion`) is a string of the grammar's `kind`, and false for anything
 * else (a number, nothing). The same tests as `isRunString`, in the same order; the character test
 * comes first so that no regular expression sees a line terminator (Java's `$` matches before one).
 */
export function jsonataIsRunString(kind: RunStringKind, path: string): string {
  const rule = RUN_STRING_RULES[kind];
  const literal = (source: string) => `/${source.replace(/\//g, '\\/')}/`;
  return (
    `($v := ${path}; $type($v) = 'string' ? ($length($v) >= 1 and $length($v) <= ${rule.maxLength}` +
    ` and $not($contains($v, ${literal(`[^${rule.characters}]`)}))` +
    ` and $contains($v, ${literal(rule.pattern)})) : false)`
  );
}
