import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { servicePrincipalFor } from './service-principals';

/** A CodeBuild project that runs Python code of a local directory: what `pythonBuildProject` takes. */
export interface PythonBuildProjectProps {
  /** Names the construct in errors (`DbtProject`). */
  readonly owner: string;
  /** The directory shipped as the build's source (an S3 asset). */
  readonly sourcePath: string;
  /** What of the directory is not shipped (files a local run leaves). */
  readonly exclude?: readonly string[];
  /** The file of the directory whose pinned requirements the build installs. */
  readonly requirementsFile: string;
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
 * runs `commands` in the shipped directory after installing exactly its pinned requirements, on
 * the standard Linux image, with encrypted logs and artifacts and a role CodeBuild may take only
 * for this account (and this project, when named).
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
  const stack = Stack.of(scope);
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
    assumedBy: servicePrincipalFor(scope, 'codebuild.amazonaws.com', [
      stack.formatArn({ service: 'codebuild', resource: 'project', resourceName: props.projectName ?? '*' }),
    ]),
  });
  const project = new codebuild.Project(scope, 'Project', {
    projectName: props.projectName,
    description: props.description,
    role,
    source: codebuild.Source.s3({ bucket: source.bucket, path: source.s3ObjectKey }),
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
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      ...(props.exportedVariables ? { env: { 'exported-variables': [...props.exportedVariables] } } : {}),
      phases: {
        install: {
          'runtime-versions': { python: '3.12' },
          commands: [`pip install --no-cache-dir --requirement ${props.requirementsFile}`],
        },
        build: { commands: [...props.commands] },
      },
    }),
  });
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
