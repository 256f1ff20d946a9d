import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig, platformConfig } from '../../config';
import { EVALUATION_METRICS, PROBLEM_TYPES } from '../../config/evaluation-metrics';
import { REPO_ROOT } from '../../config/repo-root';
import { inputsDigest, recordedDigest } from '../../lib/platform/locks/lock-file';
import { modelLock } from '../../lib/platform/locks/python-locks';
import { SCAFFOLD_FRAMEWORKS, scaffoldModel } from '../../lib/ops/model-scaffold';

const config = platformConfig();
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A copy of what scaffolding reads and writes: the configuration, the templates, the models' code. */
function projectCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'mlenv-scaffold-'));
  roots.push(root);
  for (const path of ['config', 'ml/templates', 'ml/models', 'ml/evaluation-metrics.json']) {
    cpSync(join(REPO_ROOT, path), join(root, path), { recursive: true });
  }
  return root;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The configuration in `root`'s config/environments.ts, validated as the platform validates it. */
function configIn(root: string) {
  const file = join(root, 'config', 'environments.ts');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return loadConfig(require(file).environments);
}

const cases = Object.keys(SCAFFOLD_FRAMEWORKS).flatMap((framework) =>
  PROBLEM_TYPES.map((problemType) => [framework, problemType] as const),
);

describe.each(cases)('mlenv model new --framework %s --problem-type %s', (framework, problemType) => {
  const root = projectCopy();
  const result = scaffoldModel({ name: 'holdout', framework, problemType, models: config.models, root });
  const template = join(REPO_ROOT, 'ml', 'templates', framework);

  test("writes every file of the framework's template into ml/models/holdout, the tokens replaced", () => {
    expect(result.directory).toBe('ml/models/holdout');
    // The files of common/ and of the framework's own template (which wins on a shared path).
    const own = filesUnder(template).map((f) => relative(template, f));
    const common = filesUnder(join(REPO_ROOT, 'ml', 'templates', 'common')).map((f) =>
      relative(join(REPO_ROOT, 'ml', 'templates', 'common'), f),
    );
    expect(own).toContain('train.py');
    expect(result.files).toEqual(
      [...new Set([...common, ...own])]
        .filter((f) => !f.includes('__pycache__'))
        .map((f) => join('ml/models/holdout', f.replace('__MODEL_NAME__', 'holdout')))
        .sort(),
    );
    for (const file of result.files) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text).not.toMatch(/__MODEL_NAME__|__PROBLEM_TYPE__/);
    }
    expect(readFileSync(join(root, result.directory, 'inference.py'), 'utf8')).toContain(`"${problemType}"`);
  });

  test('its lock is current for its requirements: the header npm run lock writes, the body of the template', () => {
    const lock = modelLock({ name: 'holdout' });
    const text = readFileSync(join(root, lock.lock), 'utf8');
    expect(recordedDigest(text)).toBe(inputsDigest(lock, root));
    expect(text).toContain(`from ${lock.input}`);
    const body = (t: string) => t.replace(/^(#[^\n]*\n)*\n?/, '');
    const templateBody = body(readFileSync(join(template, 'requirements.lock'), 'utf8'));
    expect(body(text)).toBe(
      templateBody.replaceAll(`ml/templates/${framework}/requirements.txt`, lock.input),
    );
    expect(body(text)).not.toContain('ml/templates/');
    expect(body(text)).toMatch(/--hash=sha256:[0-9a-f]{64}/);
  });

  test("the configuration validates with the model in it: its framework's container, a gate on its problem type's metric", () => {
    const scaffolded = configIn(root);
    const model = scaffolded.models.find((m) => m.name === 'holdout')!;
    expect(scaffolded.models.map((m) => m.name)).toEqual([...config.models.map((m) => m.name), 'holdout']);
    expect(model.framework.name).toBe(framework);
    expect(model.problemType).toBe(problemType);
    expect(EVALUATION_METRICS[problemType]).toContain(model.qualityGate.metric);
  });
});

describe('mlenv model new refuses', () => {
  const root = projectCopy();
  const taken = config.models[0].name;
  mkdirSync(join(root, 'ml', 'models', 'leftover'), { recursive: true });

  test.each([
    [{ name: taken }, `model name '${taken}' is taken: the configuration has it`],
    [{ name: 'Bad_Name' }, "model name 'Bad_Name' must be 1-18 lowercase letters, digits and -"],
    [{ name: 'x'.repeat(19) }, 'must be 1-18 lowercase letters'],
    [{ name: 'leftover' }, 'ml/models/leftover exists already: choose another name or remove it'],
    [{ framework: 'lightgbm' }, "--framework 'lightgbm' has no template: use sklearn, xgboost, pytorch"],
    [{ problemType: 'ranking' }, `--problem-type 'ranking' is not one of ${PROBLEM_TYPES.join(', ')}`],
  ])('%j, in one line, writing nothing', (override, message) => {
    const before = readFileSync(join(root, 'config', 'environments.ts'), 'utf8');
    const modelFiles = filesUnder(join(root, 'ml', 'models'));
    const request = {
      name: 'fresh',
      framework: 'sklearn',
      problemType: 'regression',
      models: config.models,
      root,
      ...override,
    };
    expect(() => scaffoldModel(request)).toThrow(message);
    expect(() => scaffoldModel(request)).toThrow(/^[^\n]+$/);
    expect(readFileSync(join(root, 'config', 'environments.ts'), 'utf8')).toBe(before);
    expect(filesUnder(join(root, 'ml', 'models'))).toEqual(modelFiles);
  });
});
