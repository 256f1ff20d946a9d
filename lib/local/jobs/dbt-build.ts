import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DBT_TARGET_VARIABLE } from '../../../constructs/data/dbt-project';
import { DEFAULT_PYTHON, type LocalJobOptions, makeJobDir, releaseJobDir } from './job-options';
import { downloadPrefix } from './transfer';
import { runProcess, tail } from './run-process';

/** A CodeBuild project as deployed (`AWS::CodeBuild::Project`) that runs a dbt project from S3. */
export interface DbtProjectDefinition {
  readonly name: string;
  /** The zipped dbt project, `s3://bucket/key`. */
  readonly source: string;
  /** The buildspec (JSON, as `BuildSpec.fromObject` renders it). */
  readonly buildSpec: string;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly timeoutMinutes: number;
}

export interface LocalDbtBuildOptions extends LocalJobOptions {
  /** The environment through which the commands reach AWS (the emulator's endpoint and credentials). */
  readonly awsEnvironment: NodeJS.ProcessEnv;
  /**
   * Where the dbt project's sources are (`s3://` folders of Parquet files), by the variable its
   * local profile reads them from: downloaded, and the variable set to the local folder.
   */
  readonly sources: Readonly<Record<string, string>>;
}

/** A local build, answered to Step Functions as `codebuild:batchGetBuilds` would. */
export interface LocalDbtBuild {
  readonly Build: { readonly Id: string; readonly BuildStatus: 'SUCCEEDED'; readonly ProjectName: string };
  readonly log: string;
}

/** A failed build, named as Step Functions names a failed `codebuild:startBuild.sync`. */
export class DbtBuildFailed extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'States.TaskFailed';
  }
}

/** The target of the dbt project's `profiles.yml` that local builds use (DuckDB over the same Parquet). */
export const LOCAL_DBT_TARGET = 'duckdb';

/**
 * Runs a dbt CodeBuild project's build commands on this machine, as CodeBuild would run them in
 * the project's unzipped source with its variables and the run's overrides, with two differences:
 * the profile's target is `LOCAL_DBT_TARGET` (DuckDB instead of Athena) over the sources
 * downloaded from S3, and the install phase is skipped (the project's `.venv` has dbt-duckdb).
 * The commands' own AWS calls (an export to S3) go to the emulator.
 */
export async function runDbtBuild(
  project: DbtProjectDefinition,
  overrides: Readonly<Record<string, string>>,
  options: LocalDbtBuildOptions,
): Promise<LocalDbtBuild> {
  const jobDir = makeJobDir(options, project.name);
  try {
    const sourceDir = join(jobDir, 'src');
    mkdirSync(sourceDir, { recursive: true });
    const archive = join(jobDir, 'source.zip');
    writeFileSync(archive, await options.store.get(project.source));
    const python = options.python ?? DEFAULT_PYTHON;
    const unzip = await runProcess({
      command: python,
      args: ['-m', 'zipfile', '-e', archive, sourceDir],
      cwd: jobDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeoutSeconds: 120,
    });
    if (unzip.exitCode !== 0)
      throw new DbtBuildFailed(`cannot unzip ${project.source}: ${tail(unzip.stderr)}`);

    const sources: Record<string, string> = {};
    for (const [variable, uri] of Object.entries(options.sources)) {
      const dir = join(jobDir, 'sources', variable);
      await downloadPrefix(options.store, uri, dir);
      sources[variable] = dir;
    }
    const env = {
      ...(options.awsEnvironment as Record<string, string>),
      ...project.environmentVariables,
      ...overrides,
      ...sources,
      [DBT_TARGET_VARIABLE]: LOCAL_DBT_TARGET,
      MLENV_DUCKDB_PATH: join(jobDir, 'features.duckdb'),
      PATH: `${dirname(python)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: jobDir,
      PYTHONUNBUFFERED: '1',
      // dbt's anonymous usage events stay off (the project says so too) and nothing is fetched.
      DO_NOT_TRACK: '1',
    };
    const spec = JSON.parse(project.buildSpec) as { phases?: { build?: { commands?: string[] } } };
    const log: string[] = [];
    for (const command of spec.phases?.build?.commands ?? []) {
      const run = await runProcess({
        command: 'bash',
        args: ['-eo', 'pipefail', '-c', command],
        cwd: sourceDir,
        env,
        timeoutSeconds: project.timeoutMinutes * 60,
        onLog: options.onLog && ((line) => options.onLog!(line)),
      });
      log.push(run.log);
      if (run.timedOut)
        throw new DbtBuildFailed(`${command}: timed out after ${project.timeoutMinutes} minutes`);
      if (run.exitCode !== 0) {
        throw new DbtBuildFailed(`${command} failed (exit ${run.exitCode}): ${tail(run.log, 8)}`);
      }
    }
    return {
      Build: { Id: `${project.name}:${randomUUID()}`, BuildStatus: 'SUCCEEDED', ProjectName: project.name },
      log: log.join(''),
    };
  } finally {
    releaseJobDir(options, jobDir);
  }
}
