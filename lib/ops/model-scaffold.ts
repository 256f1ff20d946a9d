import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { modelCodeDirectory, modelSchema, type ModelConfig } from '../../config';
import { METRIC_GROUPS, PROBLEM_TYPES } from '../../config/evaluation-metrics';
import { inputsDigest, lockHeader } from '../platform/locks/lock-file';
import { modelLock } from '../platform/locks/python-locks';

/** The frameworks `mlenv model new` has a template for, each with the container version it configures. */
export const SCAFFOLD_FRAMEWORKS = { sklearn: '1.2-1', xgboost: '1.7-1', pytorch: '2.3' } as const;
export type ScaffoldFramework = keyof typeof SCAFFOLD_FRAMEWORKS;

/** The quality gate a new model starts with, per problem type (its template's sample data passes it). */
const STARTING_GATES: Readonly<Record<string, { metric: string; threshold: number }>> = {
  binary_classification: { metric: 'auc', threshold: 0.7 },
  multiclass_classification: { metric: 'accuracy', threshold: 0.5 },
  regression: { metric: 'r2', threshold: 0.3 },
};

/** The tokens the templates hold (`ml/templates/<framework>/`). */
const TOKENS = { name: '__MODEL_NAME__', problemType: '__PROBLEM_TYPE__' } as const;

/** The line of the configuration's `models` list above which new models are written. */
export const MODELS_MARKER = '// mlenv model new adds new models above this line.';

export interface ScaffoldRequest {
  readonly name: string;
  readonly framework: string;
  readonly problemType: string;
  /** The models the configuration has now. */
  readonly models: readonly Pick<ModelConfig, 'name' | 'code'>[];
  /** The project's root. */
  readonly root: string;
  /** The configuration file the model's entry goes into, relative to `root`. @default 'config/environments.ts' */
  readonly configFile?: string;
}

export interface ScaffoldResult {
  readonly directory: string;
  /** The files written, relative to the root. */
  readonly files: readonly string[];
  readonly configFile: string;
  readonly entry: string;
}

/** Why `request` cannot be scaffolded: one line each, empty when it can. */
export function scaffoldProblems(request: ScaffoldRequest): string[] {
  const { name, framework, problemType, models, root } = request;
  const problems: string[] = [];
  const nameCheck = modelSchema.shape.name.safeParse(name);
  if (!nameCheck.success) problems.push(`model name '${name}' ${nameCheck.error.issues[0].message}`);
  else if (models.some((m) => m.name === name))
    problems.push(`model name '${name}' is taken: the configuration has it`);
  else if (existsSync(join(root, modelCodeDirectory({ name })))) {
    problems.push(`${modelCodeDirectory({ name })} exists already: choose another name or remove it`);
  }
  if (!Object.hasOwn(SCAFFOLD_FRAMEWORKS, framework)) {
    problems.push(
      `--framework '${framework}' has no template: use ${Object.keys(SCAFFOLD_FRAMEWORKS).join(', ')}`,
    );
  }
  if (!PROBLEM_TYPES.includes(problemType)) {
    problems.push(`--problem-type '${problemType}' is not one of ${PROBLEM_TYPES.join(', ')}`);
  }
  const configFile = join(root, request.configFile ?? 'config/environments.ts');
  if (problems.length === 0 && !readFileSync(configFile, 'utf8').includes(MODELS_MARKER)) {
    problems.push(
      `${relative(root, configFile)} has no line '${MODELS_MARKER}' in its models list: add it there`,
    );
  }
  return problems;
}

/** The configuration entry of a new model (TypeScript, indented for the models list). */
export function modelEntry(name: string, framework: ScaffoldFramework, problemType: string): string {
  const gate = STARTING_GATES[problemType];
  const operator = METRIC_GROUPS[problemType][gate.metric] === 'higher' ? '>=' : '<=';
  return [
    '    {',
    `      // Scaffolded by \`mlenv model new\`: its code is in ${modelCodeDirectory({ name })}.`,
    `      name: '${name}',`,
    `      framework: { name: '${framework}', version: '${SCAFFOLD_FRAMEWORKS[framework]}' },`,
    `      problemType: '${problemType}',`,
    "      targetColumn: 'target',",
    '      hyperparameters: {},',
    `      qualityGate: { metric: '${gate.metric}', operator: '${operator}', threshold: ${gate.threshold} },`,
    '    },',
  ].join('\n');
}

/**
 * Writes a new model: its code directory from the framework's template (`templateFiles`, the
 * tokens replaced), its lock (the template's, with the header `npm run lock` writes for the
 * new path), and its entry in the configuration's models list. Nothing is written when a problem
 * is found; a failure while writing removes the directory again.
 */
export function scaffoldModel(request: ScaffoldRequest): ScaffoldResult {
  const problems = scaffoldProblems(request);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const { name, root, problemType } = request;
  const framework = request.framework as ScaffoldFramework;
  const directory = modelCodeDirectory({ name });
  const configFile = request.configFile ?? 'config/environments.ts';
  const entry = modelEntry(name, framework, problemType);
  const files: string[] = [];
  try {
    for (const [path, file] of templateFiles(root, framework)) {
      // Paths hold the name too (tests/test_<name>.py: two models' tests never share a module name).
      const target = join(directory, path.replaceAll(TOKENS.name, name));
      const text = readFileSync(file, 'utf8')
        .replaceAll(TOKENS.name, name)
        .replaceAll(TOKENS.problemType, problemType);
      mkdirSync(dirname(join(root, target)), { recursive: true });
      writeFileSync(join(root, target), text);
      files.push(target);
    }
    // The lock is the template's (its requirements hold no token) with the new path in its header
    // and in uv's `# via -r` lines: what `npm run lock` would write for it.
    const lock = modelLock({ name });
    const body = readFileSync(join(root, lock.lock), 'utf8')
      .replace(/^(#[^\n]*\n)*\n?/, '')
      .replaceAll(`ml/templates/${framework}/requirements.txt`, lock.input);
    writeFileSync(join(root, lock.lock), `${lockHeader(lock, inputsDigest(lock, root))}${body}`);
    const config = readFileSync(join(root, configFile), 'utf8');
    const at = config.indexOf(MODELS_MARKER);
    const lineStart = config.lastIndexOf('\n', at) + 1;
    writeFileSync(
      join(root, configFile),
      `${config.slice(0, lineStart)}${entry}\n${config.slice(lineStart)}`,
    );
  } catch (error) {
    rmSync(join(root, directory), { recursive: true, force: true });
    throw error;
  }
  return { directory, files: files.sort(), configFile, entry };
}

/**
 * The files of a framework's template by their path in the model: `ml/templates/common/`'s (what
 * every framework's model has alike), and the framework's own, which take the place of common's.
 */
export function templateFiles(root: string, framework: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const part of ['common', framework]) {
    const dir = join(root, 'ml', 'templates', part);
    for (const file of filesUnder(dir)) files.set(relative(dir, file), file);
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`no template at ${dir}`);
  return readdirSync(dir)
    .filter((name) => name !== '__pycache__' && !name.endsWith('.pyc'))
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}
