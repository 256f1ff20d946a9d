import { ConfigError, loadConfig } from '../../config';
import { configInput } from '../support/config-fixtures';
import { deploymentsDir, modelPin } from '../support/pins';

/**
 * A pin's `shadow` names a candidate package of the environment's own registry and the model's own
 * group, like the pin itself, and only a real-time endpoint on instances takes one. Each problem is
 * one line naming the file and the field.
 */
function problemsOf(input: unknown, files: Record<string, unknown>): readonly string[] {
  try {
    loadConfig(input, { deploymentsDir: deploymentsDir(files) });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const committed = loadConfig(configInput());
const model = committed.models[0].name;
const withShadow = (env: string, shadowPin: { modelPackageArn: string; artifactFilesSha256: string }) => ({
  [env]: { [model]: { ...modelPin(env, model), shadow: shadowPin } },
});
const candidateOf = (env: string, options: { account?: string; version?: number } = {}) => {
  const { modelPackageArn, artifactFilesSha256 } = modelPin(env, model, { version: 4, ...options });
  return { modelPackageArn, artifactFilesSha256 };
};
const instanceEnvs = committed.environments.filter((e) => e.serving.kind === 'instance').map((e) => e.name);
const serverlessEnvs = committed.environments.filter((e) => e.serving.kind !== 'instance').map((e) => e.name);

describe.each(instanceEnvs)('a shadow pin in %s (instance endpoints)', (env) => {
  it('is accepted for a real-time model and kept in the environment’s deployments', () => {
    const files = withShadow(env, candidateOf(env));
    expect(problemsOf(configInput(), files)).toEqual([]);
    const loaded = loadConfig(configInput(), { deploymentsDir: deploymentsDir(files) });
    expect(loaded.environments.find((e) => e.name === env)!.deployments[model].shadow).toEqual(
      candidateOf(env),
    );
  });

  it('is refused, in one line, for a package of another account', () => {
    const problems = problemsOf(
      configInput(),
      withShadow(env, candidateOf(env, { account: '999999999999' })),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(
        `^deployments/${env}\\.json: ${model}\\.shadow\\.modelPackageArn: names account 999999999999`,
      ),
    );
  });

  it('is refused, in one line, for another model’s package group', () => {
    const other = committed.models[1].name;
    const { modelPackageArn, artifactFilesSha256 } = modelPin(env, other, { version: 4 });
    const problems = problemsOf(configInput(), withShadow(env, { modelPackageArn, artifactFilesSha256 }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/shadow\.modelPackageArn: names package group/);
  });

  it('is refused when it names the served package itself', () => {
    const served = modelPin(env, model);
    const problems = problemsOf(
      configInput(),
      withShadow(env, {
        modelPackageArn: served.modelPackageArn,
        artifactFilesSha256: served.artifactFilesSha256,
      }),
    );
    expect(problems).toEqual([
      `deployments/${env}.json: ${model}.shadow.modelPackageArn: is the served package: a shadow test compares another package`,
    ]);
  });

  it.each(['async', 'batch'])('is refused for a model served in mode %s', (mode) => {
    const input: any = configInput();
    input.models[0].serving = { mode };
    const problems = problemsOf(input, withShadow(env, candidateOf(env)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${model}.shadow: ${model} is served in mode '${mode}'`);
  });

  it('is refused with a malformed digest', () => {
    const problems = problemsOf(
      configInput(),
      withShadow(env, { ...candidateOf(env), artifactFilesSha256: 'not-a-digest' }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/shadow\.artifactFilesSha256/);
  });
});

describe.each(serverlessEnvs)('a shadow pin in %s (serverless endpoints)', (env) => {
  it('is refused in one line naming serving.kind', () => {
    const problems = problemsOf(configInput(), withShadow(env, candidateOf(env)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^deployments/${env}\\.json: ${model}\\.shadow: .*serving\\.kind`),
    );
  });
});
