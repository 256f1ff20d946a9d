import type { JobLogEvents } from '../../lib/ops/job-logs';
import { formatJobLog } from '../../lib/cli/logs-command';
import { printable } from '../../lib/ops/printable-text';
import { failureCause, formatStateEnded } from '../../lib/ops/training-runs';

/**
 * What a job's log, a dataset's header or a job's failure can hold that a terminal obeys (ECMA-48
 * and xterm's control sequences): OSC 52 writes the clipboard (`ESC ] 52 ; c ; <base64>` ended by
 * BEL or ST), CSI 2K erases the line, OSC 0 retitles the window, `\r` rewrites what was printed;
 * C1 controls (0x80-0x9f) do the same in one byte. None reaches the terminal; the text around does.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const ATTACKS: ReadonlyArray<readonly [string, string]> = [
  ['\x1b]52;c;ZWNobyBwd25lZA==\x07column x', 'column x'],
  ['\x1b]52;c;ZWNobyBwd25lZA==\x1b\\column x', 'column x'],
  ['\x9d52;c;ZWNobyBwd25lZA==\x9ccolumn x', 'column x'],
  ['column\x1b[2K x', 'column x'],
  ['column\x9b2K x', 'column x'],
  ['\x1b]0;a title\x07column x', 'column x'],
  ['\x1b[31mcolumn x\x1b[0m', 'column x'],
  ['col\rumn\x00\x08\x7f x', 'column x'],
];

test.each(ATTACKS)('printable(%j) keeps the text, not the controls', (text, shown) => {
  expect(printable(text)).toBe(shown);
  expect(printable(`${text}\tnext`)).toBe(`${shown}\tnext`);
});

test('a line break stays only in text printed over several lines', () => {
  expect(printable('first\nsecond')).toBe('firstsecond');
  expect(printable('first\r\n\x1b[2Ksecond', { multiline: true })).toBe('first\nsecond');
  // An OSC without its terminator ends with its line, not with the text's later lines.
  expect(printable('a\x1b]52;c;ZWNv\nnext line', { multiline: true })).toBe('a\nnext line');
});

test.each(ATTACKS)('mlenv logs prints a log event %j without its controls', (message, shown) => {
  const job: JobLogEvents = {
    kind: 'processing job',
    name: 'job-1',
    state: 'Preprocess',
    streams: [{ logGroupName: '/aws/sagemaker/ProcessingJobs', logStreamNamePrefix: 'job-1/' }],
    events: [
      { logGroupName: '/aws/sagemaker/ProcessingJobs', logStreamName: 'job-1/algo-1', timestamp: 1, message },
      // A traceback logged as one event keeps its lines.
      {
        logGroupName: '/aws/sagemaker/ProcessingJobs',
        logStreamName: 'job-1/algo-1',
        timestamp: 2,
        message: `Traceback (most recent call last):\n  File "x.py"\nValueError: ${message}\n`,
      },
    ],
  };
  const lines = formatJobLog(job).split('\n');
  expect(lines.slice(1)).toEqual([
    shown,
    'Traceback (most recent call last):',
    '  File "x.py"',
    `ValueError: ${shown}`,
  ]);
  for (const line of lines) expect(line).not.toMatch(CONTROLS);
});

test.each(ATTACKS)("a failed state's cause %j is printed without its controls", (text, shown) => {
  // A local job's failure (`error: ` line, then where its log is kept) and a SageMaker job's FailureReason.
  const local = `error: ${text}\netl exited with status 2; full log: /tmp/job.log`;
  expect(failureCause('States.TaskFailed', local)).toEqual({ line: shown, log: '/tmp/job.log' });
  const sagemaker = JSON.stringify({ FailureReason: `AlgorithmError: ${text}` });
  expect(failureCause('States.TaskFailed', sagemaker).line).toBe(shown);
  const printed = formatStateEnded(
    { state: 'CleanRawData', status: 'failed', seconds: 9 },
    `States.TaskFailed: ${local}`,
  );
  expect(printed.split('\n')).toEqual(['✗ CleanRawData   9.0 s  ' + shown, '      full log: /tmp/job.log']);
  for (const line of printed.split('\n')) expect(line).not.toMatch(CONTROLS);
});
