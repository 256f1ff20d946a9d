import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import type { MlNetworkPlacement } from '../network/ml-network';
import {
  grantPackageRead,
  type PackageRepositoryReference,
  pipLoginCommand,
} from '../packages/package-repository-reference';
import { AssetObjectSource } from './private/asset-object-source';
import { servicePrincipalFor } from './service-principals';

/**
 * What pip is told besides the lock when nothing says otherwise: wheels only, so that nothing is
 * built (no build backend runs) on the build image.
 */
export const WHEELS_ONLY = ['--only-binary', ':all:'] as const;

/** Where a Python build runs and installs from, beyond its defaults (CodeBuild's network, PyPI). */
export interface PythonBuildEnvironment {
  /**
   * Runs the builds in these subnets with these security groups (CodeBuild places a network
   * interface there for each build).
   * @default - CodeBuild's own network, with internet access
   */
  readonly network?: MlNetworkPlacement;
  /**
   * Installs from this CodeArtifact repository (pip logs in to it first), not from PyPI; the role
   * may read it and nothing else of CodeArtifact.
   * @default - PyPI
   */
  readonly packageRepository?: PackageRepositoryReference;
  /**
   * The IAM path of the build's role (`/ml/prod/builds/`), so that resource and endpoint policies
   * can admit a whole kind of role by one ARN pattern.
   * @default '/'
   */
  readonly rolePath?: string;
}

/** The install phase of a build that installs exactly `lockFile` (hashed), from the index `environment` says. */
export function hashedInstallCommands(
  lockFile: string,
  installOptions: readonly string[] = WHEELS_ONLY,
  environment: PythonBuildEnvironment = {},
): string[] {
  return [
    ...(environment.packageRepository ? [pipLoginCommand(environment.packageRepository)] : []),
    // Every package at every depth is in the lock, with its hashes: pip resolves nothing itself.
    [
      'python -m pip install --no-cache-dir --require-hashes --no-deps',
      ...installOptions,
      `--requirement ${lockFile}`,
    ].join(' '),
  ];
}

/** A CodeBuild project that runs Python code of a local directory: what `pythonBuildProject` takes. */
export interface PythonBuildProjectProps {
  /** Names the construct in errors (`DbtProject`). */
  readonly owner: string;
  /** The directory shipped as the build's source (an S3 asset). */
  readonly sourcePath: string;
  /** What of the directory is not shipped (files a local run leaves). */
  readonly exclude?: readonly string[];
  /**
   * The hashed lock of the directory (every package at every depth, pinned, with its hashes) the
   * build installs, and nothing else.
   */
  readonly lockFile: string;
  /**
   * pip's options for what it may install from the lock (the lock's own, as it was compiled).
   * @default WHEELS_ONLY
   */
  readonly installOptions?: readonly string[];
  /** Where the build runs and installs from. @default - CodeBuild's network, PyPI */
  readonly buildEnvironment?: PythonBuildEnvironment;
  readonly description: string;
  readonly roleDescription: string;
  /** With it, only that project may take the build's role. @default - generated; any project of the account */
  readonly projectName?: string;
  /** Encrypts the build's artifacts and logs. */
  readonly logsKey: kms.IKey;
  /** @default - a new log group under `logsKey`, kept `logRetention` */
  readonly logGroup?: logs.ILogGroup;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
  readonly timeout: Duration;
  readonly environmentVariables: Record<string, string>;
  /** The build phase's commands, run in the source directory. */
  readonly commands: readonly string[];
  /** Variables whose values at the end of the build are its output (`ExportedEnvironmentVariables`). */
  readonly exportedVariables?: readonly string[];
}

/**
 * Creates in `scope` (construct ids `Source`, `Logs`, `Role`, `Project`) a CodeBuild project that
 * runs `commands` in the shipped directory after installing exactly its hashed lock (pip checks
 * every file against the lock's hashes and resolves nothing itself), on the standard Linux image,
 * with encrypted logs and artifacts and a role CodeBuild may take only for this account (and this
 * project, when named). With a `buildEnvironment`, it runs in a VPC and installs from a
 * CodeArtifact repository.
 */
export function pythonBuildProject(
  scope: Construct,
  props: PythonBuildProjectProps,
): { readonly project: codebuild.Project; readonly role: iam.Role; readonly logGroup: logs.ILogGroup } {
  if (props.projectName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/.test(props.projectName)) {
    throw new Error(
      `${props.owner}: projectName '${props.projectName}' must be 2-255 letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  if (!/^[\w.-]+$/.test(props.lockFile)) {
    throw new Error(
      `${props.owner}: lockFile '${props.lockFile}' must be a file name of the source directory`,
    );
  }
  const stack = Stack.of(scope);
  const environment = props.buildEnvironment ?? {};
  const source = new s3assets.Asset(scope, 'Source', {
    path: props.sourcePath,
    exclude: [...(props.exclude ?? [])],
  });
  const logGroup =
    props.logGroup ??
    new logs.LogGroup(scope, 'Logs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  const role = new iam.Role(scope, 'Role', {
    description: props.roleDescription,
    path: environment.rolePath,
    assumedBy: servicePrincipalFor(scope, 'codebuild.amazonaws.com', [
      stack.formatArn({ service: 'codebuild', resource: 'project', resourceName: props.projectName ?? '*' }),
    ]),
  });
  const project = new codebuild.Project(scope, 'Project', {
    projectName: props.projectName,
    description: props.description,
    role,
    source: new AssetObjectSource(source),
    encryptionKey: props.logsKey,
    timeout: props.timeout,
    environment: {
      buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
      computeType: codebuild.ComputeType.SMALL,
      environmentVariables: Object.fromEntries(
        Object.entries(props.environmentVariables).map(([name, value]) => [name, { value }]),
      ),
    },
    logging: { cloudWatch: { logGroup } },
    ...(environment.network
      ? {
          vpc: environment.network.vpc,
          subnetSelection: { subnets: environment.network.subnets },
          securityGroups: environment.network.securityGroups,
        }
      : {}),
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      ...(props.exportedVariables ? { env: { 'exported-variables': [...props.exportedVariables] } } : {}),
      phases: {
        install: {
          'runtime-versions': { python: '3.12' },
          commands: hashedInstallCommands(props.lockFile, props.installOptions, environment),
        },
        build: { commands: [...props.commands] },
      },
    }),
  });
  // CDK names the role by its name, which CodeBuild resolves only for roles at the path '/'.
  const cfnProject = project.node.defaultChild as codebuild.CfnProject;
  cfnProject.serviceRole = role.roleArn;
  if (environment.rolePath !== undefined && environment.rolePath !== '/') {
    Validations.of(cfnProject).acknowledge({
      id: 'CloudFormation-Validate::E3050',
      reason:
        "ServiceRole is the role's Fn::GetAtt Arn, as the rule asks for a role with a path; aws-cdk-lib's " +
        'validator reports a GetAtt as a Ref (cfn-lint, run on every template, checks it correctly)',
    });
  }
  if (environment.packageRepository) grantPackageRead(role, scope, environment.packageRepository);
  return { project, role, logGroup };
}

/** Lets `grantee` start builds of `project`, follow them and stop them. */
export function grantStartBuild(project: codebuild.IProject, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds', 'codebuild:StopBuild'],
    resourceArns: [project.projectArn],
  });
}
