import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { localCommand } from '../../lib/cli/local-command';

/** Runs `mlenv local <args>` up to its action; rejects with what commander printed. */
async function local(...args: string[]): Promise<void> {
  let errors = '';
  const command = localCommand();
  for (const c of [command, ...command.commands]) {
    c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: (text) => (errors += text) });
  }
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (error) {
    throw new Error(errors.trim() || (error as Error).message, { cause: error });
  }
}

const [someModel] = platformConfig().models;

test('--rows with --dataset is refused with one line (the whole CSV trains)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-local-options-'));
  try {
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, 'a,target\n1,0\n');
    const refusal = local('train', '--model', someModel.name, '--rows', '5', '--dataset', csv);
    await expect(refusal).rejects.toThrow(
      /^error: option '--rows <n>' cannot be used with option '--dataset <csv>'$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('down takes --keep or --wipe, not both', async () => {
  await expect(local('down', '--keep', '--wipe')).rejects.toThrow(
    /^error: option '--keep' cannot be used with option '--wipe'$/,
  );
});

test.each(['train', 'serve', 'drift'])('local %s offers --redeploy', (name) => {
  const command = localCommand().commands.find((c) => c.name() === name);
  expect(command?.options.map((o) => o.long)).toContain('--redeploy');
});
