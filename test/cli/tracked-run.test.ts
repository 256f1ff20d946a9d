import { formatTrackedRun } from '../../lib/cli/train-output';
import type { LocalTrainResult } from '../../lib/local/local-train';

/** A run's result as far as its MLflow line reads it. */
const run = (states: string[], tracking?: LocalTrainResult['tracking']) =>
  ({
    executionName: 'manual-20261207T160000-abcdef',
    states: states.map((state) => ({ state, status: 'succeeded', seconds: 1 })),
    tracking,
  }) as unknown as LocalTrainResult;

test('a run that failed before its RecordRun state is not blamed on the tracking server', () => {
  expect(formatTrackedRun(run(['CleanRawData', 'Train > Preprocess']))).toBe(
    'not recorded (the run ended before RecordRun)',
  );
});

test('a RecordRun that recorded nothing points at its build log, for this execution', () => {
  for (const state of ['RecordRun', 'Train > RecordRun']) {
    expect(formatTrackedRun(run(['Preprocess', state]))).toBe(
      'not recorded (no tracking server, or it did not answer: see its RecordRun build with `mlenv logs local manual-20261207T160000-abcdef`)',
    );
  }
});

test('a recorded run is named with its server', () => {
  expect(formatTrackedRun(run(['RecordRun'], { runId: 'r1', url: 'http://127.0.0.1:5000' }))).toBe(
    'run r1 at http://127.0.0.1:5000',
  );
});
