import { printable } from '../ops/printable-text';

/**
 * The line of a failed script's output (`log`: its stdout and stderr as they came) that says why
 * it failed, as the script said it: the exception of its last Python traceback (`ValueError: ...`,
 * with a Py4J error's Java cause or the Python error inside it), the one-line `error: ...` the ml/
 * scripts exit with, the first failure of a dbt build's summary, or the error dbt stopped on before
 * building (`Compilation Error` and its message; whichever comes last); else
 * the last line of `stderr` that is not Spark's or Java's noise (a `sys.exit("message")`), else
 * the log's. Undefined when the output has no such line.
 */
export function errorLine(log: string, stderr = log): string | undefined {
  const lines = visibleLines(log);
  const traceback = lastIndex(lines, (line) => line === TRACEBACK);
  const error = lastIndex(lines, (line) => SCRIPT_ERROR.test(line));
  const dbt = lastIndex(lines, (line) => DBT_SUMMARY.test(withoutDbtTime(line)));
  const dbtError = lastIndex(lines, (line) => DBT_ERROR.test(withoutDbtTime(line)));
  const last = Math.max(traceback, error, dbt, dbtError);
  const found =
    last < 0
      ? undefined
      : last === traceback
        ? exceptionAfter(lines, traceback)
        : last === error
          ? lines[error]
          : last === dbt
            ? dbtFailure(lines.slice(dbt + 1).map(withoutDbtTime))
            : dbtErrorWithMessage(lines, dbtError);
  const line = found ?? lastSaid(visibleLines(stderr)) ?? lastSaid(lines);
  return line === undefined ? undefined : cut(line.trim());
}

/** The last line that is not noise. */
const lastSaid = (lines: readonly string[]) => lines[lastIndex(lines, (line) => !isNoise(line))];

const TRACEBACK = 'Traceback (most recent call last):';

/**
 * A script's own one-line error: the ml/ scripts' `error: <message>` (mlenv_model.cli, etl.py),
 * argparse's `<prog>: error: <message>`. Spark's log lines say `ERROR` after a timestamp.
 */
const SCRIPT_ERROR = /^(?:[\w.-]+: )?error: \S/;

/** The longest error line told (a Java message can run on). */
const MAX_LENGTH = 400;

/** dbt's summary of a build that failed: `Completed with 1 error, 0 partial successes, ...`. */
const DBT_SUMMARY = /^Completed with \d+ errors?\b/;

/** A failure in dbt's summary: `Failure in test <name> (<file>)`, `Runtime Error in model ...`. */
const DBT_FAILURE = /^(?:Failure|\w+ Error) in \w+ /;

/**
 * The heading of an error dbt stops on before it runs anything (a ref to no model, a YAML it cannot
 * parse, no profile), after `Encountered an error:`, with its message indented on the next line;
 * there is no summary then. The heading is the exception's type (dbt_common's `<type> Error`):
 * `Compilation Error`, `Parsing Error`, `Runtime Error`, `Database Error`.
 */
const DBT_ERROR = /^(?:\w+ )?(?:Compilation|Runtime|Parsing|Database) Error$/;

/** `Compilation Error: Model '...' depends on a node named 'stg_featurs' which was not found`. */
function dbtErrorWithMessage(lines: readonly string[], heading: number): string {
  const message = lines.slice(heading + 1).find((line) => line.trim() !== '');
  const title = withoutDbtTime(lines[heading]);
  return message !== undefined && /^\s/.test(message) ? `${title}: ${message.trim()}` : title;
}

/** A dbt log line without its time: `12:06:15  Done. PASS=5` is `Done. PASS=5`. */
const withoutDbtTime = (line: string) => line.replace(/^\d\d:\d\d:\d\d {2}/, '');

/**
 * The first failure of dbt's summary (the lines after `Completed with N errors`) with its message,
 * the first indented line under it that is neither a further heading nor where the compiled SQL
 * is: `Failure in test accepted_values_... (models/schema.yml): Got 1 result, configured to fail if != 0`.
 */
function dbtFailure(summary: readonly string[]): string | undefined {
  const heading = summary.findIndex((line) => DBT_FAILURE.test(line));
  if (heading < 0) return undefined;
  const message = summary
    .slice(heading + 1)
    .map((line) => line.trim())
    .find((line) => line !== '' && !DBT_FAILURE.test(line) && !line.startsWith('compiled code at '));
  return message ? `${summary[heading]}: ${message}` : summary[heading];
}

/**
 * The output's lines as a terminal shows them: a line redrawn after `\r` (Spark's progress bar)
 * is what follows the last `\r`, and a progress bar a log line was written after is left out;
 * without colours (dbt's) or any other control a terminal would obey (`printable`: the line is
 * printed, and a dataset's header can hold escape sequences that reach it).
 */
function visibleLines(output: string): string[] {
  return output.split('\n').map((line) => {
    const parts = line.split('\r').map((part) => printable(part));
    const shown = parts[lastIndex(parts, (part) => part.trim() !== '')] ?? '';
    return shown.replace(PROGRESS_BAR, '').trimEnd();
  });
}

/** Spark's console progress bar: `[Stage 0:>      (0 + 1) / 1]`. */
const PROGRESS_BAR = /^\[Stage [^\]]*\]/;

/** Lines that never say why a script failed: Spark's and Java's, and blank ones. */
function isNoise(line: string): boolean {
  return (
    line.trim() === '' ||
    // A traceback's frames, a Java stack trace, a warning's source line.
    /^\s/.test(line) ||
    // log4j below ERROR: `26/12/07 11:56:41 WARN NativeCodeLoader: ...`.
    /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d (?:TRACE|DEBUG|INFO|WARN) /.test(line) ||
    line.startsWith('Setting default log level to') ||
    line.startsWith('To adjust logging level use sc.setLogLevel')
  );
}

/**
 * The exception a traceback (its header at `start`) ends with: the first line after its frames.
 * Where the exception wraps another traceback (a Java `PythonException: Traceback ...` in a
 * Py4JJavaError), the innermost one's; a Py4JJavaError's own line (`An error occurred while
 * calling o42.count.`) gives way to its Java cause, the next line (`: java.io...Exception: ...`).
 */
function exceptionAfter(lines: readonly string[], start: number): string | undefined {
  let at = start + 1;
  while (at < lines.length && (lines[at].trim() === '' || /^\s/.test(lines[at]))) at++;
  let exception = lines[at];
  if (exception === undefined) return undefined;
  if (/(?:^|\.)Py4JJavaError:/.test(exception) && lines[at + 1]?.startsWith(': ')) {
    at++;
    exception = lines[at].slice(2);
  }
  if (exception.endsWith(TRACEBACK)) return exceptionAfter(lines, at) ?? unqualified(exception);
  return unqualified(exception);
}

/**
 * `pyspark.errors.exceptions.captured.AnalysisException: msg` as `AnalysisException: msg`: the
 * module path of an exception's class says nothing of the cause.
 */
function unqualified(exception: string): string {
  return exception.replace(/^(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*(?::|$))/, '$1');
}

/** At most `MAX_LENGTH` characters. */
function cut(line: string): string {
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 1)}…` : line;
}

function lastIndex(lines: readonly string[], matches: (line: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (matches(lines[i])) return i;
  return -1;
}
