import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleDeployReason, staleDeployRefusal } from '../../lib/local/current-deployment';
import { recordDeployedInputs } from '../../lib/local/deployed-inputs';
import { formatLocalUpState } from '../../lib/local/emulator-up';
import { formatStateChoice } from '../../lib/local/local-down';

/**
 * What `local up` and `local down` say of the local state is what is on disk and what the
 * emulator reported (lib/local/python/persistent_emulator.py's status file): never "kept" for a
 * save that failed or was cut short, never "restored" for a state set aside. The emulator's side
 * is tested through its process in lib/local/python/tests/test_kept_state.py.
 */
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mlenv-kept-state-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const contents = { s3Objects: 12, modelPackages: 1, executions: 3 };
/** The file the emulator saves its state to (emulatorStateFile), there after an earlier `down`. */
const anEarlierSave = () => writeFileSync(join(dir, 'emulator-state.pickle'), 'saved before');

describe('local down', () => {
  test('a save that finished: kept, with what the state holds and where', () => {
    anEarlierSave();
    const line = formatStateChoice({
      state: 'keep',
      stateDir: dir,
      stopped: true,
      save: { outcome: 'saved', at: '2026-12-07T15:00:00+00:00', contents },
    });
    expect(line).toBe(
      `local down: kept the local state in ${dir}: 12 S3 objects, 1 model package, 3 executions and the MLflow runs; the next \`mlenv local up\` restores them, \`mlenv local down --wipe\` clears them`,
    );
  });

  test.each([
    ['failed', 'its save failed: PicklingError: cannot pickle'],
    ['was cut short', 'it did not finish saving within 60 s and was killed'],
  ])('a save that %s is never called kept: it says why and what the next up finds', (_case, reason) => {
    const nothingBefore = formatStateChoice({
      state: 'keep',
      stateDir: dir,
      stopped: true,
      save: { outcome: 'not saved', reason },
    });
    expect(nothingBefore).toContain(`the emulator's state was NOT saved (${reason})`);
    expect(nothingBefore).toContain('the next `mlenv local up` starts the emulator empty');
    expect(nothingBefore).toContain('`mlenv local down --wipe` clears all of it');
    expect(nothingBefore).not.toMatch(/kept the local state/);

    anEarlierSave();
    const olderKept = formatStateChoice({
      state: 'keep',
      stateDir: dir,
      stopped: true,
      save: { outcome: 'not saved', reason },
    });
    expect(olderKept).toContain('the next `mlenv local up` restores the older state an earlier `down` saved');
  });

  test('without a running emulator, what is on disk is described as it is', () => {
    expect(formatStateChoice({ state: 'keep', stateDir: dir, stopped: false })).toContain(
      'holds no saved emulator state: the next `mlenv local up` starts the emulator empty',
    );
    anEarlierSave();
    expect(formatStateChoice({ state: 'keep', stateDir: dir, stopped: false })).toContain(
      `local down: kept the local state in ${dir}`,
    );
    expect(formatStateChoice({ state: 'keep', stateDir: join(dir, 'none'), stopped: false })).toBe(
      `local down: no local state in ${join(dir, 'none')} (the next \`mlenv local up\` starts empty)`,
    );
  });
});

describe('local up', () => {
  test('restored: what, saved when, and where', () => {
    const line = formatLocalUpState({
      state: { dir, restore: { outcome: 'restored', savedAt: '2026-12-07T15:00:00+00:00', contents } },
    });
    expect(line).toBe(
      `local up: restored the local state kept in ${dir} (saved 2026-12-07T15:00:00+00:00): 12 S3 objects, 1 model package, 3 executions and the MLflow runs; \`mlenv local down --wipe\` clears it`,
    );
  });

  test('started empty: the reason, where the state lives, and (when a state was set aside) the MLflow runs left', () => {
    expect(
      formatLocalUpState({ state: { dir, restore: { outcome: 'empty', reason: 'no state was kept' } } }),
    ).toBe(`local up: started empty: no state was kept; the local state lives in ${dir}`);
    const reason = `the kept state could not be read (saved by moto 5.2.4, this is moto 5.2.5); it was set aside as ${dir}/emulator-state.pickle.unreadable`;
    const setAside = formatLocalUpState({ state: { dir, restore: { outcome: 'empty', reason } } });
    expect(setAside).toBe(
      `local up: started empty: ${reason}; the local state lives in ${dir} (the MLflow runs kept there stay until \`mlenv local down --wipe\`)`,
    );
  });

  test('a reused emulator: it keeps what it holds', () => {
    expect(formatLocalUpState({ state: { dir } })).toContain('the running emulator keeps the state it holds');
  });
});

describe('a deploy of a given assembly (local up --assembly)', () => {
  test('records the assembly, not the working tree: train and serve refuse it with the command that deploys the working tree', () => {
    recordDeployedInputs(dir, { assembly: '/elsewhere/cdk.out' });
    const reason = staleDeployReason(dir, { codeVersion: 'abc', files: {} });
    expect(reason).toBe(
      'it deployed the assembly /elsewhere/cdk.out given to `local up --assembly`, not one built from this working tree',
    );
    const refusal = staleDeployRefusal('local serve', reason!);
    expect(refusal.split('\n')).toHaveLength(1);
    expect(refusal).toContain('run `mlenv local up`');
  });
});
