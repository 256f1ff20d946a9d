import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AssetManifestArtifact, type CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { EnvironmentConfig } from '../../config';
import { asList, asObject, type JsonObject } from '../../cfn/json-values';
import { PIP_LOGIN } from '../../constructs/packages/package-repository-reference';
import {
  buildSpecCommands,
  buildSpecInstallProblems,
  installArguments,
  type SourceFile,
} from '../../lib/platform/compliance/buildspec-installs';
import { installCommands } from '../../lib/platform/locks/install-commands';
import { REPO_ROOT } from '../../config/repo-root';
import { PYTHON_LOCKS } from '../../lib/platform/locks/python-locks';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

interface BuildProject {
  readonly stack: CloudFormationStackArtifact;
  readonly path: string;
  readonly properties: JsonObject;
}

/** Every CodeBuild project of every template of the assembly: the environments', the delivery pipeline's. */
const projects: BuildProject[] = assembly.stacksRecursively.flatMap((stack) =>
  Object.entries((stack.template as { Resources?: Record<string, JsonObject> }).Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::CodeBuild::Project')
    .map(([logicalId, r]) => ({
      stack,
      path: `${stack.hierarchicalId}/${logicalId}`,
      properties: asObject(r.Properties) ?? {},
    })),
);

/**
 * The files of a project's source as the build sees them: an S3 source is a file asset of the
 * stack (its staged directory in the assembly); a pipeline's source is the repository itself.
 */
function sourceOf(project: BuildProject): SourceFile {
  const source = asObject(project.properties.Source) ?? {};
  const inDirectory =
    (directory: string): SourceFile =>
    (file) =>
      existsSync(join(directory, file)) ? readFileSync(join(directory, file), 'utf8') : undefined;
  if (source.Type === 'CODEPIPELINE') return inDirectory(REPO_ROOT);
  const key = /([0-9a-f]{64})\.zip/.exec(JSON.stringify(source.Location ?? ''))?.[1];
  for (const manifest of project.stack.dependencies.filter(AssetManifestArtifact.isAssetManifestArtifact)) {
    const asset = key ? manifest.contents.files?.[key] : undefined;
    if (asset?.source.path) return inDirectory(join(dirname(manifest.file), asset.source.path));
  }
  return () => undefined;
}

const buildSpecOf = (project: BuildProject) => String(asObject(project.properties.Source)?.BuildSpec ?? '');
const installsOf = (project: BuildProject) =>
  buildSpecCommands(buildSpecOf(project)).flatMap((command) => installCommands(command));
const inEnvironment = (env: EnvironmentConfig) => (p: BuildProject) =>
  p.stack.hierarchicalId.startsWith(`${env.stageId}/`);

describe('every Python install of every synthesized buildspec', () => {
  test('requires hashes and installs only a declared lock, current and shipped in its source, naming no package', () => {
    expect(projects.length).toBeGreaterThan(0);
    const problems = projects.flatMap((project) =>
      buildSpecInstallProblems(buildSpecOf(project), sourceOf(project)).map((p) => `${project.path}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  test.each(config.environments.map((env) => [env.name, env] as const))(
    'environment %s installs in each of its Python builds, each a lock of lib/platform/locks',
    (_name, env) => {
      const installing = projects.filter(inEnvironment(env)).filter((p) => installsOf(p).length > 0);
      // A run recorder per model, and a dbt build per model with a data pipeline.
      expect(installing).toHaveLength(
        config.models.length + config.models.filter((m) => m.dataPipeline).length,
      );
      for (const project of installing) {
        const files = installsOf(project).flatMap((c) => installArguments(c.command).requirementFiles);
        const shipped = files.map((file) => sourceOf(project)(file));
        expect(
          shipped.every((text) =>
            PYTHON_LOCKS.some((l) => readFileSync(join(REPO_ROOT, l.lock), 'utf8') === text),
          ),
        ).toBe(true);
      }
    },
  );
});

describe('the check can fail', () => {
  const lock = PYTHON_LOCKS.find((l) => l.target.kind === 'platform')!;
  const lockText = readFileSync(join(REPO_ROOT, lock.lock), 'utf8');
  const shipping =
    (files: Record<string, string>): SourceFile =>
    (file) =>
      files[file];
  const spec = (...commands: string[]) =>
    JSON.stringify({ version: '0.2', phases: { install: { commands } } });
  const hashed = '--require-hashes --no-deps --only-binary :all:';

  test('a declared, current lock installed with hashes passes, in JSON and YAML buildspecs', () => {
    expect(
      buildSpecInstallProblems(
        spec(`python -m pip install ${hashed} -r app.lock`),
        shipping({ 'app.lock': lockText }),
      ),
    ).toEqual([]);
    const yaml = `version: 0.2\nphases:\n  build:\n    commands:\n      - uv pip sync --require-hashes app.lock\n`;
    expect(buildSpecInstallProblems(yaml, shipping({ 'app.lock': lockText }))).toEqual([]);
  });

  test.each([
    ['pip install --no-cache-dir --requirement app.lock', /does not require hashes/],
    [`pip3 install ${hashed} -r app.lock boto3`, /installs packages named on the command line: boto3/],
    [`pip install ${hashed} -e ./src -r app.lock`, /named on the command line: \.\/src/],
    [`pip install ${hashed} boto3==1.0`, /installs no lock/],
    [`pip install ${hashed} -r other.lock`, /other\.lock is not in the build's source/],
    [`pip install ${hashed} -r unlocked.txt`, /unlocked\.txt is not a lock of lib\/platform\/locks/],
    ['cd src && uv pip install -r app.lock', /does not require hashes/],
  ])('%s is refused', (command, message) => {
    const problems = buildSpecInstallProblems(
      spec('echo start', command),
      shipping({ 'app.lock': lockText, 'unlocked.txt': 'boto3\n' }),
    );
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  test('a lock whose inputs changed since `npm run lock` is refused', () => {
    const root = mkdtempSync(join(tmpdir(), 'mlenv-stale-lock-'));
    writeFileSync(join(root, 'app.txt'), 'boto3\n');
    writeFileSync(join(root, 'app.lock'), lockText);
    const stale = { ...lock, lock: 'app.lock', input: 'app.txt' };
    const problems = buildSpecInstallProblems(
      spec(`pip install ${hashed} -r app.lock`),
      shipping({ 'app.lock': lockText }),
      [stale],
      root,
    );
    expect(problems).toEqual([expect.stringMatching(/app\.lock is stale/)]);
  });

  test('a buildspec that cannot be read is a problem, not a pass', () => {
    expect(buildSpecInstallProblems('buildspec.yml', shipping({}))).toEqual([
      expect.stringMatching(/not a buildspec with phases/),
    ]);
  });
});

describe.each(config.environments.map((env) => [env.name, env] as const))(
  'the Python builds of environment %s',
  (_name, env) => {
    const builds = projects.filter(inEnvironment(env)).filter((p) => installsOf(p).length > 0);
    const vpc = env.network === 'vpc';

    test(
      vpc
        ? "run in the VPC and log pip in to the environment's CodeArtifact repository before installing"
        : "run in CodeBuild's network and install from PyPI",
      () => {
        expect(builds.length).toBeGreaterThan(0);
        for (const project of builds) {
          const vpcConfig = asObject(project.properties.VpcConfig);
          expect(vpcConfig !== undefined).toBe(vpc);
          const commands = buildSpecCommands(buildSpecOf(project));
          const login = commands.findIndex((c) => c.startsWith(`${PIP_LOGIN} `));
          const install = commands.findIndex((c) => installCommands(c).length > 0);
          expect(login >= 0).toBe(vpc);
          if (vpc) {
            expect(login).toBeLessThan(install);
            // The environment's own domain, in its own account (`<project>-<env>`).
            expect(commands[login]).toContain(
              `--domain ${config.project}-${env.name} --domain-owner ${env.account} `,
            );
            expect(asList(vpcConfig?.Subnets).length).toBeGreaterThanOrEqual(2);
          }
        }
      },
    );
  },
);
