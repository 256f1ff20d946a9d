import { DISPOSABLE_ENVIRONMENTS, type EnvironmentConfig } from '../../config';
import { asList, asObject, type JsonObject } from '../../cfn/json-values';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();

interface Resource {
  readonly logicalId: string;
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The resources of `type` in an environment's templates, read directly from them. */
function resourcesOf(env: EnvironmentConfig, type: string): Resource[] {
  return assembly.stacksRecursively
    .filter((stack) => stack.hierarchicalId.startsWith(`${env.stageId}/`))
    .flatMap((stack) =>
      Object.entries(
        (stack.template as { Resources: Record<string, Omit<Resource, 'logicalId'>> }).Resources,
      ).map(([logicalId, resource]) => ({ logicalId, ...resource })),
    )
    .filter((r) => r.Type === type);
}

/** What an environment's server is, from the configuration and AWS's ARN format. */
function expectedServer(env: EnvironmentConfig) {
  const name = `${config.project}-${env.name}-mlflow`;
  return {
    name,
    arn: `arn:aws:sagemaker:${env.region}:${env.account}:mlflow-tracking-server/${name}`,
    modelsBucket: `${config.project}-${env.name}-${env.account}-${env.region}-models`,
  };
}

const statementsOf = (document: unknown) => asList(asObject(document)?.Statement).map((s) => asObject(s)!);
const statements = (policy: Resource) => statementsOf(policy.Properties?.PolicyDocument);
const actionsOf = (statement: JsonObject) => [statement.Action].flat().map(String);
const resourcesOfStatement = (statement: JsonObject) => [statement.Resource].flat();

describe.each(config.environments.map((env) => [env.name, env] as const))('environment %s', (_name, env) => {
  const servers = resourcesOf(env, 'AWS::SageMaker::MlflowTrackingServer');
  const managed = env.tracking.server === 'managed';
  const expected = expectedServer(env);

  test('has an MLflow tracking server exactly where its configuration says', () => {
    expect(servers).toHaveLength(managed ? 1 : 0);
  });

  test("each model's run recorder records in the environment's server, and may reach no other", () => {
    const recorders = resourcesOf(env, 'AWS::CodeBuild::Project').filter((p) =>
      asList(asObject(p.Properties?.Environment)?.EnvironmentVariables).some(
        (v) => asObject(v)?.Name === 'MLENV_ACTION',
      ),
    );
    expect(recorders).toHaveLength(config.models.length);
    for (const recorder of recorders) {
      const uri = asList(asObject(recorder.Properties?.Environment)?.EnvironmentVariables)
        .map((v) => asObject(v)!)
        .find((v) => v.Name === 'MLFLOW_TRACKING_URI')?.Value;
      expect(uri).toBe(managed ? expected.arn : '');
    }
    const mlflowStatements = resourcesOf(env, 'AWS::IAM::Policy')
      .flatMap(statements)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('sagemaker-mlflow:')));
    expect(mlflowStatements).toHaveLength(managed ? config.models.length : 0);
    for (const statement of mlflowStatements) expect(resourcesOfStatement(statement)).toEqual([expected.arn]);
  });
});

// The server itself, in each environment that has one (the test above checks which ones do).
const managedEnvironments = config.environments.filter((env) => env.tracking.server === 'managed');
if (managedEnvironments.length > 0) {
  describe.each(managedEnvironments.map((env) => [env.name, env] as const))(
    'the tracking server of %s',
    (_name, env) => {
      const servers = resourcesOf(env, 'AWS::SageMaker::MlflowTrackingServer');
      const expected = expectedServer(env);

      test('its server keeps artifacts under its own prefix of the models bucket, sized and patched as configured, registering nothing', () => {
        const [server] = servers;
        expect(server.Properties).toMatchObject({
          TrackingServerName: expected.name,
          ArtifactStoreUri: `s3://${expected.modelsBucket}/mlflow/`,
          TrackingServerSize: env.tracking.size,
          WeeklyMaintenanceWindowStart: env.tracking.maintenanceWindow,
          AutomaticModelRegistration: false,
        });
        const retained = !DISPOSABLE_ENVIRONMENTS.includes(env.name);
        expect(server.DeletionPolicy).toBe(retained ? 'Retain' : 'Delete');
        expect(server.UpdateReplacePolicy).toBe(retained ? 'Retain' : 'Delete');
      });

      test("its role is SageMaker's in this account only, and reaches the models bucket under the server's prefix only", () => {
        // The role the server names (Fn::GetAtt <role>.Arn), and the policy attached to it.
        const roleId = asList(asObject(servers[0].Properties?.RoleArn)?.['Fn::GetAtt'])[0];
        const [role] = resourcesOf(env, 'AWS::IAM::Role').filter((r) => r.logicalId === roleId);
        const [trust, ...others] = statementsOf(role.Properties?.AssumeRolePolicyDocument);
        expect(others).toEqual([]);
        expect(trust).toMatchObject({
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': env.account } },
        });
        const policies = resourcesOf(env, 'AWS::IAM::Policy').filter((p) =>
          asList(p.Properties?.Roles).some((r) => asObject(r)?.Ref === roleId),
        );
        expect(policies).toHaveLength(1);
        const s3 = statements(policies[0]).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
        const objectStatements = s3.filter((s) => actionsOf(s).includes('s3:PutObject'));
        expect(objectStatements.flatMap(resourcesOfStatement)).toEqual([
          `arn:aws:s3:::${expected.modelsBucket}/mlflow/*`,
        ]);
        for (const statement of s3) {
          for (const resource of resourcesOfStatement(statement)) {
            expect(String(resource)).toMatch(
              new RegExp(`^arn:aws:s3:::${expected.modelsBucket}(/mlflow/\\*)?$`),
            );
          }
        }
      });
    },
  );
}
