import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorLine } from '../../../lib/jobs/error-line';

/**
 * Real output of failed scripts (stdout and stderr together, as a job's log holds them), copied
 * from runs of the project's Python: ml/data/etl.py on CSVs it refuses, with Spark's log4j lines
 * and progress bar before its `error:` line; PySpark errors raised in the driver and in a Python
 * worker (inside a Py4JJavaError and Java stack traces); a training script's traceback run
 * through runpy (as the container launcher runs it); argparse's usage error; a SystemExit message;
 * the dbt project's `dbt build --target duckdb` (as the local build runs it) with a failing test
 * with a model whose SQL names a column the rows do not have, and with a model whose ref names no
 * model (a compilation error).
 */
const output = (name: string) => readFileSync(join(__dirname, 'failed-output', `${name}.txt`), 'utf8');

test.each([
  // etl.py's EtlError messages, as its source writes them (`print(f"error: {error}")`).
  ['etl-column-names', "error: column names must be lowercase letters, digits and _: 'Age Years'"],
  ['etl-target-column', "error: the target column 'target' is not in the header (a, b)"],
  // Written over Spark's progress bar, after a carriage return.
  ['etl-no-valid-row', 'error: no row of /tmp/etlbad/raw3 is valid (1 quarantined)'],
  [
    'etl-usage-error',
    'etl.py: error: the following arguments are required: --curated, --quarantine, --dataset-version',
  ],
  // The exception a traceback ends with, without its module path.
  [
    'spark-analysis-exception',
    'AnalysisException: [PATH_NOT_FOUND] Path does not exist: file:/tmp/etlbad/does-not-exist.',
  ],
  // A Python worker's error: inside the Py4JJavaError's Java cause, the Python traceback's exception.
  ['spark-python-worker-error', 'ZeroDivisionError: division by zero'],
  [
    'training-value-error',
    'ValueError: This solver needs samples of at least 2 classes in the data, but the data contains only one class: np.int64(0)',
  ],
  // dbt build's summary (colours and times left out): the first failure, with its message.
  [
    'dbt-test-failure',
    'Failure in test accepted_values_stg_features_target__False__0__1 (models/schema.yml): Got 1 result, configured to fail if != 0',
  ],
  [
    'dbt-model-error',
    'Failure in model stg_features (models/staging/stg_features.sql): Binder Error: Referenced column "record_key" not found in FROM clause!',
  ],
  // dbt stopped before building (a ref to no model): no summary, the error's heading and its message.
  [
    'dbt-compilation-error',
    "Compilation Error: Model 'model.mlenv_features.training_features' (models/features/training_features.sql) depends on a node named 'stg_featurs' which was not found",
  ],
  // sys.exit("message") prints the message alone.
  ['system-exit-message', 'the model directory /opt/ml/model is not writable'],
])("%s: the script's own error line", (name, line) => {
  expect(errorLine(output(name))).toBe(line);
});

test('the later of an error: line and a traceback is the cause', () => {
  const traceback =
    'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nKeyError: \'target\'\n';
  expect(errorLine(`error: first\n${traceback}`)).toBe("KeyError: 'target'");
  expect(errorLine(`${traceback}error: then this\n`)).toBe('error: then this');
});

test('chained exceptions: the last traceback is the one that ended the script', () => {
  const text = [
    'Traceback (most recent call last):',
    '  File "train.py", line 3, in <module>',
    "KeyError: 'target'",
    '',
    'During handling of the above exception, another exception occurred:',
    '',
    'Traceback (most recent call last):',
    '  File "train.py", line 5, in <module>',
    'mlenv_model.cli.MLError: no target column',
  ].join('\n');
  expect(errorLine(text)).toBe('MLError: no target column');
});

test("the cause in the log comes before stderr's last line; without one, stderr's last line", () => {
  const dbt = output('dbt-test-failure');
  // dbt writes to stdout; a library's warning on stderr says nothing of why the build failed.
  expect(errorLine(`FutureWarning: a warning\n${dbt}`, 'FutureWarning: a warning\n')).toBe(errorLine(dbt));
  expect(errorLine('step 1\nstep 2\n', 'the model directory is not writable\n')).toBe(
    'the model directory is not writable',
  );
  expect(errorLine('step 1\nstep 2\n', '')).toBe('step 2');
});

test('output with nothing but Spark noise has no error line', () => {
  expect(errorLine(output('etl-column-names').split('error:')[0])).toBeUndefined();
  expect(errorLine('')).toBeUndefined();
});

test('a long line is cut', () => {
  const line = errorLine(`error: ${'x'.repeat(1000)}`)!;
  expect(line.length).toBe(400);
  expect(line.endsWith('…')).toBe(true);
});

describe("a script's line that holds terminal controls is told without them", () => {
  // What a dataset's header can carry into a script's error line: OSC 52 (write the clipboard,
  // ESC ] 52 ; c ; <base64> BEL, or ST for BEL), erase the line (CSI 2K), a window title, C1 CSI.
  // eslint-disable-next-line no-control-regex
  const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
  test.each([
    ['\x1b]52;c;ZWNobyBwd25lZA==\x07Age Years', 'Age Years'],
    ['\x1b]52;c;ZWNobyBwd25lZA==\x1b\\Age Years', 'Age Years'],
    ['Age\x1b[2K Years', 'Age Years'],
    ['\x1b]0;a title\x07Age\x9b2K Years\x1b[31m', 'Age Years'],
    ['Age\x00\x7f\x85 Years', 'Age Years'],
  ])('%j', (header, shown) => {
    const log = `Setting default log level to "WARN".\nerror: column names must be lowercase letters, digits and _: ${header}\n`;
    const line = errorLine(log)!;
    expect(line).not.toMatch(CONTROLS);
    expect(line).toBe(`error: column names must be lowercase letters, digits and _: ${shown}`);
  });

  test('in a traceback and on stderr alike', () => {
    const traceback =
      'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: \x1b]52;c;cHduZWQ=\x07bad\n';
    expect(errorLine(traceback)).toBe('ValueError: bad');
    expect(errorLine('step\n', 'the \x1b[2Kmodel is gone\x07\n')).toBe('the model is gone');
  });
});
