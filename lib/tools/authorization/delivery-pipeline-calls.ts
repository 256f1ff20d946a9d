import type { DeployedAssembly, DeployedResource } from '../calls/deployed-assembly';
import type { PolicyInventory } from '../calls/policy-inventory';
import { type DerivedCalls, origin, type RunTimeCall } from '../calls/run-time-call';
import { servicePublishCalls } from './service-publish-calls';

interface PipelineAction {
  readonly Name: string;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly RoleArn?: string;
  readonly Configuration?: Record<string, unknown>;
  readonly InputArtifacts?: ReadonlyArray<{ readonly Name: string }>;
  readonly OutputArtifacts?: ReadonlyArray<{ readonly Name: string }>;
}

interface PipelineProperties {
  readonly RoleArn: string;
  readonly ArtifactStore: { readonly Location: string; readonly EncryptionKey?: { readonly Id: string } };
  readonly Stages: ReadonlyArray<{ readonly Name: string; readonly Actions: readonly PipelineAction[] }>;
}

/**
 * What a CodePipeline pipeline and its CodeBuild projects request when it runs, for the roles the
 * assembly defines: the pipeline assuming each action's role; the source action using the
 * connection and writing its artifact; each CodeBuild action starting and watching its project;
 * each project's role reading and writing artifacts (through the artifact key), cloning through the
 * connection and writing its logs; approvals notifying their topic; notification rules publishing.
 * Roles of other accounts (the CDK bootstrap roles a cross-account deploy assumes) are theirs.
 */
export function deliveryPipelineCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  pipeline: DeployedResource,
): DerivedCalls {
  const { stage, path } = pipeline;
  const properties = pipeline.properties as unknown as PipelineProperties;
  const calls: RunTimeCall[] = [];
  const problems: string[] = [];
  const inAssembly = (role: string) => inventory.roles.has(role);
  const call = (
    principal: string,
    detail: string,
    action: string,
    resource: string,
    context?: Record<string, string>,
  ) =>
    calls.push({
      stage: stage.id,
      ...origin(path, detail),
      principal,
      action,
      resource,
      ...(context ? { context } : {}),
    });
  const { Location: bucket, EncryptionKey } = properties.ArtifactStore;
  const pipelineName = deployed.ref(pipeline);
  // CodePipeline keeps artifacts under the pipeline's name (its first 20 characters).
  const artifactObject = `arn:${stage.partition}:s3:::${bucket}/${pipelineName.slice(0, 20)}/artifact/object`;
  const artifacts = (principal: string, detail: string, write: boolean) => {
    call(principal, detail, 's3:GetObject', artifactObject);
    if (write) call(principal, detail, 's3:PutObject', artifactObject);
    if (!EncryptionKey) return;
    const viaS3 = {
      'kms:ViaService': `s3.${stage.region}.amazonaws.com`,
      'kms:EncryptionContext:aws:s3:arn': `arn:${stage.partition}:s3:::${bucket}`,
    };
    call(principal, detail, 'kms:Decrypt', EncryptionKey.Id, viaS3);
    if (write) call(principal, detail, 'kms:GenerateDataKey', EncryptionKey.Id, viaS3);
  };
  const pipelineArn = `arn:${stage.partition}:codepipeline:${stage.region}:${stage.account}:${pipelineName}`;
  // CodePipeline takes the pipeline's role for this pipeline only.
  call('codepipeline.amazonaws.com', 'service role', 'sts:AssumeRole', properties.RoleArn, {
    'aws:SourceAccount': stage.account,
    'aws:SourceArn': pipelineArn,
  });
  const projects = new Map(deployed.ofType('AWS::CodeBuild::Project').map((p) => [deployed.ref(p), p]));
  const sources = new Map<string, ConnectionSource>(); // source artifact -> its connection and repository

  for (const pipelineStage of properties.Stages) {
    for (const action of pipelineStage.Actions) {
      const detail = `action ${pipelineStage.Name}/${action.Name}`;
      const role = action.RoleArn ?? properties.RoleArn;
      if (!inAssembly(role)) continue;
      if (role !== properties.RoleArn) call(properties.RoleArn, detail, 'sts:AssumeRole', role);
      const { Category, Provider } = action.ActionTypeId;
      const configuration = action.Configuration ?? {};
      if (Category === 'Source' && Provider === 'CodeStarSourceConnection') {
        const source = {
          connection: String(configuration.ConnectionArn),
          repository: String(configuration.FullRepositoryId),
        };
        call(role, detail, ...useConnection(source));
        artifacts(role, detail, true);
        for (const output of action.OutputArtifacts ?? []) sources.set(output.Name, source);
      } else if (Category === 'Build' && Provider === 'CodeBuild') {
        const name = String(configuration.ProjectName);
        const project = projects.get(name);
        if (!project) {
          problems.push(`${stage.id}/${path} ${detail}: project ${name} is not in the assembly`);
          continue;
        }
        const projectArn = `arn:${stage.partition}:codebuild:${stage.region}:${stage.account}:project/${name}`;
        for (const a of ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'])
          call(role, detail, a, projectArn);
        buildCalls(project, action);
      } else if (Category === 'Approval') {
        const topic = configuration.NotificationArn;
        if (typeof topic !== 'string') continue;
        call(role, detail, 'sns:Publish', topic);
        const key = inventory.topics.get(topic)?.kmsKeyArn;
        const viaSns = {
          'kms:ViaService': `sns.${stage.region}.amazonaws.com`,
          'kms:EncryptionContext:aws:sns:topicArn': topic,
        };
        if (key) for (const a of ['kms:GenerateDataKey', 'kms:Decrypt']) call(role, detail, a, key, viaSns);
      } else if (Category !== 'Deploy') {
        problems.push(`${stage.id}/${path} ${detail}: no model of ${Category} actions by ${Provider}`);
      }
    }
  }
  for (const rule of deployed.ofType('AWS::CodeStarNotifications::NotificationRule', stage)) {
    const ruleProperties = rule.properties as {
      Resource?: string;
      Targets?: Array<{ TargetType: string; TargetAddress: string }>;
    };
    if (
      ruleProperties.Resource !==
      `arn:${stage.partition}:codepipeline:${stage.region}:${stage.account}:${pipelineName}`
    )
      continue;
    const ruleArn = deployed.ref(rule);
    for (const target of ruleProperties.Targets ?? []) {
      if (target.TargetType !== 'SNS') continue;
      calls.push(
        ...servicePublishCalls(
          inventory,
          stage,
          origin(rule.path),
          'codestar-notifications.amazonaws.com',
          target.TargetAddress,
          ruleArn,
        ),
      );
    }
  }
  return { calls, problems };

  /** What a project's build does as the project's role. */
  function buildCalls(project: DeployedResource, action: PipelineAction): void {
    const p = project.properties as {
      ServiceRole?: string;
      LogsConfig?: { CloudWatchLogs?: { Status?: string; GroupName?: string } };
    };
    const role = p.ServiceRole;
    if (!role || !inAssembly(role)) return;
    const detail = `build of ${deployed.ref(project)}`;
    const projectArn = `arn:${stage.partition}:codebuild:${stage.region}:${stage.account}:project/${deployed.ref(project)}`;
    call('codebuild.amazonaws.com', detail, 'sts:AssumeRole', role, {
      'aws:SourceAccount': stage.account,
      'aws:SourceArn': projectArn,
    });
    artifacts(role, detail, (action.OutputArtifacts ?? []).length > 0);
    for (const input of action.InputArtifacts ?? []) {
      const source = sources.get(input.Name);
      // A git clone of the source (codeBuildCloneOutput) goes through the connection.
      if (source) call(role, detail, ...useConnection(source));
    }
    const group = p.LogsConfig?.CloudWatchLogs?.GroupName ?? `/aws/codebuild/${deployed.ref(project)}`;
    const stream = `arn:${stage.partition}:logs:${stage.region}:${stage.account}:log-group:${group}:log-stream:build`;
    for (const a of ['logs:CreateLogStream', 'logs:PutLogEvents']) call(role, detail, a, stream);
  }
}

/** A source action's connection and the repository (`owner/name`) it reads through it. */
interface ConnectionSource {
  readonly connection: string;
  readonly repository: string;
}

/**
 * The request that uses a connection for a repository: the action's prefix is the ARN's
 * (`codeconnections` for connections made since 2024, `codestar-connections` before), as AWS
 * documents for the rename, and the request names the repository in that prefix's
 * `FullRepositoryId` key.
 */
function useConnection({
  connection,
  repository,
}: ConnectionSource): [string, string, Record<string, string>] {
  const prefix = connection.split(':')[2];
  return [`${prefix}:UseConnection`, connection, { [`${prefix}:FullRepositoryId`]: repository }];
}

/** What starts, stops and watches a build. */
const BUILD_CONTROL = ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'];

/**
 * Requests of the pipeline's roles that must be denied: the role of each of its projects
 * starting, stopping or watching the builds of a project that runs as another role (the asset
 * publishing role starting the self-mutation or check projects, whose buildspec it could
 * override), and each use of the connection (from `allowed`) for another repository than its
 * source's: one of the same owner and one of the same name under another owner.
 */
export function deliveryPipelineDeniedCalls(
  deployed: DeployedAssembly,
  inventory: PolicyInventory,
  pipeline: DeployedResource,
  allowed: readonly RunTimeCall[],
): RunTimeCall[] {
  const { stage, path } = pipeline;
  const properties = pipeline.properties as unknown as PipelineProperties;
  const projectNames = properties.Stages.flatMap((s) =>
    s.Actions.filter((a) => a.ActionTypeId.Provider === 'CodeBuild').map((a) =>
      String(a.Configuration?.ProjectName),
    ),
  );
  const projects = deployed
    .ofType('AWS::CodeBuild::Project', stage)
    .filter((p) => projectNames.includes(deployed.ref(p)))
    .map((p) => ({
      name: deployed.ref(p),
      role: String((p.properties as { ServiceRole?: string }).ServiceRole),
      arn: `arn:${stage.partition}:codebuild:${stage.region}:${stage.account}:project/${deployed.ref(p)}`,
    }));
  const otherProjects = projects.flatMap((own) =>
    inventory.roles.has(own.role)
      ? projects
          .filter((other) => other.role !== own.role)
          .flatMap((other) =>
            BUILD_CONTROL.map((action) => ({
              stage: stage.id,
              ...origin(path, `role of project ${own.name} on project ${other.name}`),
              principal: own.role,
              action,
              resource: other.arn,
            })),
          )
      : [],
  );
  const otherRepositories = allowed.flatMap((call) => {
    const key = Object.keys(call.context ?? {}).find((k) => k.endsWith(':FullRepositoryId'));
    if (!/:UseConnection$/.test(call.action) || !key) return [];
    const [owner, name] = String(call.context![key]).split('/');
    return [`${owner}/${name}-other`, `${owner}-other/${name}`].map((repository) => ({
      ...call,
      origin: `${call.origin} for ${repository}`,
      context: { ...call.context, [key]: repository },
    }));
  });
  return [...otherProjects, ...otherRepositories];
}
