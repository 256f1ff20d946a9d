import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  grantStartBuild,
  type PythonBuildEnvironment,
  pythonBuildProject,
} from '../common/python-build-project';
import type { IDataCatalog } from './data-catalog';

/** The file of the dbt project that locks what the build installs: every package, pinned, with its hashes. */
export const DBT_LOCK_FILE = 'requirements-athena.lock';

export interface DbtProjectProps {
  /** The dbt project directory (with `dbt_project.yml`, `profiles.yml` and `requirements-athena.lock`), shipped as an asset. */
  readonly projectPath: string;
  /** The database and workgroup the models are built in. */
  readonly catalog: IDataCatalog;
  /** Encrypts the build's logs and artifacts; its key policy must let CloudWatch Logs use it. */
  readonly logsKey: kms.IKey;
  /**
   * The CodeBuild project's name (2-255 letters, digits, `-` and `_`). With it, only that project
   * may take the build's role; without it, any project of the account could (the generated name
   * is not known when the role is made).
   * @default - a name CloudFormation generates
   */
  readonly projectName?: string;
  /**
   * The target of `profiles.yml` that runs against Athena.
   * @default 'athena'
   */
  readonly target?: string;
  /** @default Duration.hours(1) */
  readonly timeout?: Duration;
  /**
   * Where the builds log (its key must be usable by CloudWatch Logs).
   * @default - a new log group encrypted with `logsKey`, kept `logRetention`
   */
  readonly logGroup?: logs.ILogGroup;
  /** Of the log group it creates. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Of the log group it creates. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Commands run in the project's directory after a successful `dbt build` (for example an export
   * of the built tables); a failing one fails the build.
   * @default - none
   */
  readonly afterBuild?: readonly string[];
  /**
   * pip's options for what it may install from the lock: the ones the lock was compiled with.
   * @default WHEELS_ONLY
   */
  readonly installOptions?: readonly string[];
  /** Where the builds run and install from. @default - CodeBuild's network, PyPI */
  readonly buildEnvironment?: PythonBuildEnvironment;
  /**
   * More environment variables of every build (a build may override them).
   * @default - only the catalog's (`MLENV_GLUE_DATABASE`, `MLENV_ATHENA_WORKGROUP`, `MLENV_ATHENA_RESULTS`, `MLENV_TABLES_LOCATION`)
   */
  readonly environmentVariables?: Record<string, string>;
}

/** The environment variable of a build that names the `profiles.yml` target its commands use. */
export const DBT_TARGET_VARIABLE = 'MLENV_DBT_TARGET';

/** What a local run of a dbt project leaves in its directory, never shipped with it. */
export const DBT_LOCAL_FILES = [
  'target',
  'logs',
  'dbt_packages',
  '*.duckdb',
  '*.duckdb.wal',
  '.user.yml',
  '__pycache__',
];

/**
 * A dbt project run by CodeBuild: `dbt build` (models, then their tests) against Athena, in the
 * catalog's database and workgroup. The project ships as an asset; the build installs exactly the
 * project's hashed lock (pip checks every file's hash; from the build environment's package
 * repository where it has one) and writes encrypted logs. Its role may query the workgroup,
 * create the database's tables and write their data, read its project (and that repository's
 * packages), nothing else.
 *
 * @example
 * const dbt = new DbtProject(this, 'Features', { projectPath: 'ml/data/dbt', catalog, logsKey });
 * dbt.grantStartBuild(stateMachine);
 */
/** A dbt project's builds: what a state machine needs to run them and what they run as. */
export interface IDbtProject {
  readonly project: codebuild.IProject;
  readonly role: iam.IRole;
  /** Lets `grantee` start builds of the project, follow them and stop them. */
  grantStartBuild(grantee: iam.IGrantable): iam.Grant;
}

export class DbtProject extends Construct implements IDbtProject {
  public readonly project: codebuild.Project;
  public readonly role: iam.Role;
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: DbtProjectProps) {
    super(scope, id);
    for (const file of ['dbt_project.yml', 'profiles.yml', DBT_LOCK_FILE]) {
      const path = join(props.projectPath, file);
      if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`DbtProject: ${path} not found`);
    }
    const built = pythonBuildProject(this, {
      owner: 'DbtProject',
      sourcePath: props.projectPath,
      exclude: DBT_LOCAL_FILES,
      lockFile: DBT_LOCK_FILE,
      installOptions: props.installOptions,
      buildEnvironment: props.buildEnvironment,
      description: 'dbt build of the feature models',
      roleDescription: 'Runs dbt build against Athena',
      projectName: props.projectName,
      logsKey: props.logsKey,
      logGroup: props.logGroup,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      timeout: props.timeout ?? Duration.hours(1),
      environmentVariables: {
        MLENV_GLUE_DATABASE: props.catalog.databaseName,
        MLENV_ATHENA_WORKGROUP: props.catalog.workGroupName,
        MLENV_ATHENA_RESULTS: props.catalog.resultsLocation,
        MLENV_TABLES_LOCATION: props.catalog.tablesLocation,
        // The profile's target, in a variable so that a local run of the same commands can
        // choose another (the local environment runs them with its DuckDB target).
        [DBT_TARGET_VARIABLE]: props.target ?? 'athena',
        ...props.environmentVariables,
      },
      commands: [
        `dbt build --target "\${${DBT_TARGET_VARIABLE}}" --project-dir . --profiles-dir .`,
        ...(props.afterBuild ?? []),
      ],
    });
    this.project = built.project;
    this.role = built.role;
    this.logGroup = built.logGroup;
    props.catalog.grantQuery(this.role, { createTables: true });
  }

  /** Lets `grantee` start builds of the project, follow them and stop them. */
  public grantStartBuild(grantee: iam.IGrantable): iam.Grant {
    return grantStartBuild(this.project, grantee);
  }
}
