import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_PYTHON, type LocalJobOptions, makeJobDir, releaseJobDir } from '../../../jobs/job-options';
import { downloadPrefix } from '../../../jobs/transfer';
import { exitStatus, keepFailedJobLog, scriptError } from '../../../jobs/job-failure';
import { runProcess, tail } from '../../../jobs/run-process';
import { startJob } from '../../../jobs/running-jobs';

/** A CodeBuild project as deployed (`AWS::CodeBuild::Project`) with an S3 source. */
export interface CodeBuildProjectDefinition {
  readonly name: string;
  /** The zipped source, `s3://bucket/key`. */
  readonly source: string;
  /** The buildspec (JSON, as `BuildSpec.fromObject` renders it). */
  readonly buildSpec: string;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly timeoutMinutes: number;
}

export interface LocalBuildOptions extends LocalJobOptions {
  /** The environment through which the commands reach AWS (the emulator's endpoint and credentials). */
  readonly awsEnvironment: NodeJS.ProcessEnv;
  /**
   * Where the dbt project's sources are (`s3://` folders of Parquet files), by the variable its
   * local profile reads them from: downloaded, and the variable set to the local folder.
   */
  readonly sources?: Readonly<Record<string, string>>;
  /** Variables a local build sets over the project's and the run's (a local target, a local server). */
  readonly localVariables?: Readonly<Record<string, string>>;
}

/** A local build, answered to Step Functions as `codebuild:batchGetBuilds` would. */
export interface LocalBuild {
  readonly Build: {
    readonly Id: string;
    readonly BuildStatus: 'SUCCEEDED';
    readonly ProjectName: string;
    /** The buildspec's `exported-variables`, with their values at the end of the build. */
    readonly ExportedEnvironmentVariables: ReadonlyArray<{ readonly Name: string; readonly Value: string }>;
  };
  readonly log: string;
}

/** A failed build, named as Step Functions names a failed `codebuild:startBuild.sync`. */
export class BuildFailed extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'States.TaskFailed';
  }
}

/**
 * Runs a CodeBuild project's build commands on this machine as CodeBuild (buildspec 0.2) would:
 * in its unzipped source, in one shell (a variable a command exports is there for the next), with
 * the project's variables, the run's overrides and the local ones over them; the sources it reads
 * downloaded from S3 first; its `exported-variables` read at the end. The install phase is skipped
 * (the project's `.venv` has what the builds need), and their AWS calls go to the emulator.
 */
export async function runCodeBuild(
  project: CodeBuildProjectDefinition,
  overrides: Readonly<Record<string, string>>,
  options: LocalBuildOptions,
): Promise<LocalBuild> {
  const jobDir = makeJobDir(options, project.name);
  const running = startJob(`the CodeBuild build of ${project.name}`, jobDir, options.keepJobDir);
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
      job: running,
    });
    if (unzip.exitCode !== 0) throw new BuildFailed(`cannot unzip ${project.source}: ${tail(unzip.stderr)}`);

    const sources: Record<string, string> = {};
    for (const [variable, uri] of Object.entries(options.sources ?? {})) {
      const dir = join(jobDir, 'sources', variable);
      await downloadPrefix(options.store, uri, dir);
      sources[variable] = dir;
    }
    const spec = JSON.parse(project.buildSpec) as {
      env?: { 'exported-variables'?: string[] };
      phases?: { build?: { commands?: string[] } };
    };
    const exported = spec.env?.['exported-variables'] ?? [];
    const exportFile = join(jobDir, 'exported');
    const commands = spec.phases?.build?.commands ?? [];
    const script = [
      'set -eo pipefail',
      ...commands,
      ...exported.map((name) => `printf '%s=%s\\0' '${name}' "\${${name}:-}" >> '${exportFile}'`),
    ].join('\n');
    const run = await runProcess({
      command: 'bash',
      args: ['-c', script],
      cwd: sourceDir,
      env: {
        ...(options.awsEnvironment as Record<string, string>),
        ...project.environmentVariables,
        ...overrides,
        ...sources,
        ...options.localVariables,
        PATH: `${dirname(python)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: jobDir,
        PYTHONUNBUFFERED: '1',
        // dbt's anonymous usage events stay off (the project says so too) and nothing is fetched.
        DO_NOT_TRACK: '1',
      },
      timeoutSeconds: project.timeoutMinutes * 60,
      onLog: options.onLog && ((line) => options.onLog!(line)),
      job: running,
    });
    if (run.timedOut) {
      throw new BuildFailed(
        `${project.name}: timed out after ${project.timeoutMinutes} minutes\n${keepFailedJobLog(jobDir, run, options.keepJobDir)}`,
      );
    }
    if (run.exitCode !== 0) {
      // The failed command's own error line first (what Step Functions' error shows), then the log.
      throw new BuildFailed(
        `${scriptError(run)}\n${project.name} exited with status ${exitStatus(run)}; ${keepFailedJobLog(jobDir, run, options.keepJobDir)}`,
      );
    }
    const values = existsSync(exportFile) ? readFileSync(exportFile, 'utf8').split('\0').filter(Boolean) : [];
    return {
      Build: {
        Id: `${project.name}:${randomUUID()}`,
        BuildStatus: 'SUCCEEDED',
        ProjectName: project.name,
        ExportedEnvironmentVariables: values.map((entry) => {
          const at = entry.indexOf('=');
          return { Name: entry.slice(0, at), Value: entry.slice(at + 1) };
        }),
      },
      log: run.log,
    };
  } finally {
    running.end();
    releaseJobDir(options, jobDir);
  }
}
