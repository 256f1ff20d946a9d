import { randomUUID } from 'node:crypto';
import { asList, asObject } from '../../../../cfn/json-values';
import type { RunTimeCall } from '../../calls/run-time-call';
import { codeBuildLog } from '../../../ops/job-log-locations';
import { JobLines } from '../../../jobs/job-log-streams';
import { managedRuleCalls } from '../managed-rule-calls';
import { SAMPLE_UUID, type TaskIntegration } from '../task-integration';
import { codeBuildBuildCalls, codeBuildProjectArn, findCodeBuildProject } from './calls';
import { codebuildBuildLine } from './cost';
import { runCodeBuild } from './local-build';
import { packageRequestLine } from './package-requests';

/** What a build exports, in a sample build's answer (an MLflow run's id has this shape). */
export const SAMPLE_EXPORTED_VALUE = '0123456789abcdef0123456789abcdef';

/**
 * CodeBuild builds (`codebuild:startBuild.sync`): dbt builds and run recorders. Calls: the start,
 * polling and stopping of the build, the managed rule, and the build's own requests through the
 * project's role (calls.ts). Cost: the build's minutes to its time limit, and its CodeArtifact
 * requests (cost.ts, package-requests.ts). Locally: the project's own commands run here
 * (local-build.ts): a dbt build with the DuckDB target over the rows the Glue table points at, a
 * run recorder's with the local MLflow server as its tracking server.
 */
export const CODEBUILD_BUILD: TaskIntegration = {
  apis: ['codebuild:startBuild'],
  calls({ inventory, stage, caller, path, detail, sync, catalogTables }, parameters) {
    if (typeof parameters.ProjectName !== 'string') {
      return { calls: [], problems: ['no ProjectName to derive calls from'] };
    }
    const projectArn = codeBuildProjectArn(stage, parameters.ProjectName);
    const calls: RunTimeCall[] = [
      ...(sync ? ['StartBuild', 'BatchGetBuilds', 'StopBuild'] : ['StartBuild']).map((verb) => ({
        ...caller,
        action: `codebuild:${verb}`,
        resource: projectArn,
      })),
      ...(sync ? managedRuleCalls(caller, stage, 'StepFunctionsGetEventForCodeBuildStartBuildRule') : []),
    ];
    const project = findCodeBuildProject(inventory, stage, parameters.ProjectName);
    if (!project) {
      return { calls, problems: [`CodeBuild project ${parameters.ProjectName} is not in the assembly`] };
    }
    const build = codeBuildBuildCalls(
      inventory,
      project,
      asList(parameters.EnvironmentVariablesOverride),
      path,
      detail,
      catalogTables,
    );
    return { calls: [...calls, ...build.calls], problems: build.problems };
  },
  cost: {
    part: 'data-pipeline-run',
    lines(task) {
      // The build's minutes, and what it asks of CodeArtifact where it installs from there.
      const requests = packageRequestLine(
        task.name,
        task.parameters,
        task.stateMachine,
        task.resources,
        task.prices,
      );
      return [
        codebuildBuildLine(task.name, task.parameters, task.stateMachine, task.resources, task.prices),
        ...(requests ? [requests] : []),
      ];
    },
  },
  // A build's answer: its id (`<project>:<uuid>`), and when waited for, the variables it exports.
  sample({ pattern, where, answers }, parameters) {
    const id = `${String(parameters.ProjectName)}:${SAMPLE_UUID}`;
    const exported = answers.exportedVariables?.(String(parameters.ProjectName)) ?? [];
    return {
      Build: {
        Id: id,
        Arn: `arn:${where.partition}:codebuild:${where.region}:${where.account}:build/${id}`,
        ProjectName: parameters.ProjectName,
        ...(pattern === 'sync'
          ? {
              BuildStatus: 'SUCCEEDED',
              ExportedEnvironmentVariables: exported.map((Name) => ({ Name, Value: SAMPLE_EXPORTED_VALUE })),
            }
          : { BuildStatus: 'IN_PROGRESS' }),
      },
    };
  },
  async run(task, parameters) {
    const project = task.localResource(
      'AWS::CodeBuild::Project',
      String(parameters.ProjectName),
      'CodeBuild project',
    );
    const source = asObject(project.properties.Source) ?? {};
    const environment = asObject(project.properties.Environment) ?? {};
    const variables = (list: unknown) =>
      Object.fromEntries(asList(list).map((v) => [String(asObject(v)?.Name), String(asObject(v)?.Value)]));
    const projectVariables = variables(environment.EnvironmentVariables);
    const name = String(parameters.ProjectName);
    const cloudWatchLogs = asObject(asObject(project.properties.LogsConfig)?.CloudWatchLogs);
    const lines = new JobLines();
    // The build's log is in the project's group, in the stream of its id (a failed build's,
    // which the runner does not tell, is one made here); the build names it, as CodeBuild's does.
    const logUnder = async (buildId: string) => {
      const destination = codeBuildLog(name, buildId, cloudWatchLogs);
      const logged = { GroupName: destination.logGroupName, StreamName: destination.logStreamName };
      task.submitted({ Build: { Id: buildId, ProjectName: name, Logs: logged } });
      await task.keepLog([destination], lines);
      return logged;
    };
    try {
      const build = await runCodeBuild(
        {
          name,
          source: `s3://${String(source.Location)}`,
          buildSpec: String(source.BuildSpec),
          environmentVariables: projectVariables,
          timeoutMinutes: Number(project.properties.TimeoutInMinutes ?? 60),
        },
        variables(parameters.EnvironmentVariablesOverride),
        {
          ...task.jobOptions(lines),
          awsEnvironment: task.awsEnvironment,
          ...(await task.localBuildInputs(projectVariables)),
        },
      );
      return { Build: { ...build.Build, Logs: await logUnder(build.Build.Id) } };
    } catch (error) {
      await logUnder(`${name}:${randomUUID()}`);
      throw error;
    }
  },
};
