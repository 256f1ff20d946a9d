import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { platformConfig } from '../../config';
import { REPO_ROOT } from '../../config/repo-root';
import { staleDeployReason, staleDeployRefusal } from '../../lib/local/current-deployment';
import {
  appModules,
  appSourceFolders,
  describeChanges,
  inputChanges,
  type ModelSources,
  readAppInputs as readInputsOf,
  recordDeployedInputs,
} from '../../lib/local/deployed-inputs';

/**
 * A repository laid out as this one is (cdk.json's app is bin/app.ts; lib/ holds the app's
 * modules beside the CLI's), with what git ignores in .gitignore.
 */
let root: string;
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const write = (path: string, content: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
};

// Made once (git init and a commit cost a few processes), copied for each test to change.
let made: string;
beforeAll(() => {
  root = made = mkdtempSync(join(tmpdir(), 'mlenv-deployed-inputs-'));
  git('init', '-q');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  write('.gitignore', 'scratch/\n*.log\n');
  write('cdk.json', '{"app": "node bin/app.ts"}\n');
  write('bin/app.ts', "import { stages } from '../lib/platform/stages';\nstages();\n");
  write('lib/platform/stages/index.ts', "export { stages } from './stages';\n");
  write(
    'lib/platform/stages/stages.ts',
    "import { stack } from '../stacks/stack';\nexport const stages = () => stack;\n",
  );
  write('lib/platform/stacks/stack.ts', 'export const stack = 1;\n');
  write('lib/cli/command.ts', 'export const command = 1;\n');
  write('config/environments.ts', "export const environments = ['local'];\n");
  write('ml/models/m/train.py', 'EPOCHS = 10\n');
  write('ml/models/m/tests/test_train.py', 'def test(): pass\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
});
afterAll(() => rmSync(made, { recursive: true, force: true }));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlenv-deployed-inputs-'));
  cpSync(made, root, { recursive: true });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/**
 * The configuration of the repository above (config/schema.ts): model `m` at its default code
 * directory (ml/models/m), with the data pipeline's default ETL script and dbt project.
 */
const models: ModelSources[] = [
  { name: 'm', dataPipeline: { etlScript: 'ml/data/etl.py', dbtProject: 'ml/data/dbt' } },
];
const readAppInputs = (at: string, configured: readonly ModelSources[] = models) =>
  readInputsOf(at, configured);

/** Whether the check of train, serve and drift refuses what was deployed, and why. */
const refusalAfter = (change: () => void, configured: readonly ModelSources[] = models) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-deployed-inputs-state-'));
  try {
    recordDeployedInputs(stateDir, readAppInputs(root, configured));
    change();
    return staleDeployReason(stateDir, readAppInputs(root, configured));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
};

describe('what the app reads', () => {
  test('the folders of source it imports, not the CLI', () => {
    expect(appSourceFolders(root)).toEqual(['bin', 'lib/platform/stacks', 'lib/platform/stages']);
  });

  test('its configuration, model code and settings, not the tests of the model code', () => {
    expect(Object.keys(readAppInputs(root).files).sort()).toEqual([
      'bin/app.ts',
      'cdk.json',
      'config/environments.ts',
      'lib/platform/stacks/stack.ts',
      'lib/platform/stages/index.ts',
      'lib/platform/stages/stages.ts',
      'ml/models/m/train.py',
    ]);
  });
});

describe('changes since a deploy', () => {
  test('none when nothing changed', () => {
    expect(inputChanges(readAppInputs(root), readAppInputs(root))).toBeUndefined();
  });

  test('a changed file (a hyperparameter of the model code)', () => {
    const deployed = readAppInputs(root);
    write('ml/models/m/train.py', 'EPOCHS = 20\n');
    expect(inputChanges(deployed, readAppInputs(root))?.files).toEqual(['ml/models/m/train.py']);
  });

  test('an added file, not yet known to git', () => {
    const deployed = readAppInputs(root);
    write('ml/models/m/features.py', 'FEATURES = []\n');
    expect(inputChanges(deployed, readAppInputs(root))?.files).toEqual(['ml/models/m/features.py']);
  });

  test('a deleted file', () => {
    const deployed = readAppInputs(root);
    unlinkSync(join(root, 'config/environments.ts'));
    expect(inputChanges(deployed, readAppInputs(root))?.files).toEqual(['config/environments.ts']);
  });

  test('an ignored file does not count', () => {
    const deployed = readAppInputs(root);
    write('ml/models/m/train.log', 'epoch 1\n');
    write('config/scratch/notes.ts', 'x\n');
    expect(inputChanges(deployed, readAppInputs(root))?.files ?? []).toEqual([]);
  });

  test("files the app does not read (the CLI, the model's tests) do not count", () => {
    const reason = refusalAfter(() => {
      write('lib/cli/command.ts', 'export const command = 2;\n');
      write('ml/models/m/tests/test_train.py', 'def test(): assert True\n');
    });
    expect(reason).toBeUndefined();
  });

  test('the code version alone (an edited README, an untracked note, a new commit) is no refusal', () => {
    const reason = refusalAfter(() => {
      write('README.md', 'notes\n');
      git('add', 'README.md');
      git('commit', '-q', '-m', 'notes');
      write('README.md', 'more notes\n');
      write('notes.txt', 'to do\n');
      write('ml/tests/test_metrics.py', 'def test(): pass\n');
    });
    expect(reason).toBeUndefined();
  });

  test("a configured model's code outside ml/ counts, not its tests", () => {
    const fraud: ModelSources = { name: 'fraud', code: 'models/fraud' };
    write('models/fraud/train.py', 'EPOCHS = 10\n');
    write('models/fraud/tests/test_train.py', 'def test(): pass\n');
    expect(
      refusalAfter(() => write('models/fraud/tests/test_train.py', 'def test(): assert True\n'), [fraud]),
    ).toBeUndefined();
    expect(refusalAfter(() => write('models/fraud/train.py', 'EPOCHS = 20\n'), [fraud])).toContain(
      'models/fraud/train.py',
    );
  });

  test("a configured ETL script and dbt project outside ml/ count, the dbt project's tests too", () => {
    const pipelines: ModelSources = {
      name: 'm',
      dataPipeline: { etlScript: 'pipelines/etl.py', dbtProject: 'pipelines/dbt' },
    };
    write('pipelines/etl.py', 'COLUMNS = []\n');
    write('pipelines/dbt/dbt_project.yml', 'name: features\n');
    expect(refusalAfter(() => write('pipelines/etl.py', 'COLUMNS = ["a"]\n'), [pipelines])).toContain(
      'pipelines/etl.py',
    );
    expect(
      refusalAfter(
        () => write('pipelines/dbt/tests/no_negative_amounts.sql', 'select 1 where false\n'),
        [pipelines],
      ),
    ).toContain('pipelines/dbt/tests/no_negative_amounts.sql');
  });

  test("a dbt singular test (the dbt project's tests/x.sql) counts: dbt build runs it", () => {
    write('ml/data/dbt/dbt_project.yml', 'name: features\n');
    write('ml/data/dbt/tests/positive_amounts.sql', 'select * from features where amount < 0\n');
    const reason = refusalAfter(() =>
      write('ml/data/dbt/tests/positive_amounts.sql', 'select * from features where amount <= 0\n'),
    );
    expect(reason).toContain('ml/data/dbt/tests/positive_amounts.sql');
  });
});

describe('what a refusal says', () => {
  test('up to five changed files, then how many more', () => {
    const files = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((f) => `config/${f}.ts`);
    expect(describeChanges({ files })).toBe(
      `7 files changed since the last deploy: ${files.slice(0, 5).join(', ')} and 2 more`,
    );
  });

  test('one line naming the changed file and the command to run', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-deployed-inputs-state-'));
    try {
      recordDeployedInputs(stateDir, readAppInputs(root));
      expect(staleDeployReason(stateDir, readAppInputs(root))).toBeUndefined();
      write('ml/models/m/train.py', 'EPOCHS = 20\n');
      const refusal = staleDeployRefusal('local train', staleDeployReason(stateDir, readAppInputs(root))!);
      expect(refusal.split('\n')).toHaveLength(1);
      expect(refusal).toContain('ml/models/m/train.py');
      expect(refusal).toContain('`mlenv local up`');
      expect(refusal).not.toContain('cdk deploy');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('a deploy that recorded no inputs is stale', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-deployed-inputs-state-'));
    try {
      expect(staleDeployReason(stateDir, readAppInputs(root))).toMatch(/recorded no inputs/);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

test('every module the platform app loads is among the inputs a local deploy records', () => {
  const recorded = readInputsOf(REPO_ROOT, platformConfig().models).files;
  const loaded = appModules(REPO_ROOT);
  expect(loaded.length).toBeGreaterThan(100);
  expect(loaded.filter((module) => !(module in recorded))).toEqual([]);
});
