import { RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { DATA_TEST_ACCOUNT, DATA_TEST_REGION } from '../support/data-stack';
import { trackingServerStack as build } from '../support/tracking-server-stack';

const ACCOUNT = DATA_TEST_ACCOUNT;
const REGION = DATA_TEST_REGION;
/** The ARN format AWS documents for the resource type `mlflow-tracking-server`. */
const serverArn = (name: string, account = ACCOUNT) =>
  `arn:aws:sagemaker:${REGION}:${account}:mlflow-tracking-server/${name}`;

describe('MlflowTrackingServer', () => {
  const { app, stack, server, template } = build({ weeklyMaintenanceWindowStart: 'Sun:03:00' });
  const [resource] = Object.values(template.findResources('AWS::SageMaker::MlflowTrackingServer'));
  /** The server's properties as deployed (names resolved). */
  const deployedProperties = (assembly: ReturnType<typeof app.synth>) =>
    AuthorizationModel.fromAssembly(assembly).inventory.deployed.ofType(
      'AWS::SageMaker::MlflowTrackingServer',
    )[0].properties;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(server.role.node.defaultChild as iam.CfnRole)}`;

  test('keeps its artifacts in the models bucket under its own prefix, registers no model, and is retained', () => {
    expect(deployedProperties(app.synth()).ArtifactStoreUri).toBe('s3://acme-dev-models/mlflow/');
    expect(resource.Properties).toMatchObject({
      TrackingServerName: 'acme-dev',
      TrackingServerSize: 'Small',
      AutomaticModelRegistration: false,
      WeeklyMaintenanceWindowStart: 'Sun:03:00',
    });
    expect(resource.Properties.RoleArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^TrackingRole/), 'Arn'],
    });
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(server.trackingServerArn).toBeDefined();
    expect(stack.resolve(server.trackingServerArn)).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:sagemaker:${REGION}:${ACCOUNT}:mlflow-tracking-server/acme-dev`,
        ],
      ],
    });
  });

  // Its cfn-lint check is a platform test: mlflow-tracking-server-schema.test.ts.

  describe('who may do what, evaluated', () => {
    const authz = AuthorizationModel.fromAssembly(app.synth());
    const allowed = (principal: string, action: string, resource: string) =>
      authz.check({ principal, action, resource }).then((d) => d.allowed);

    test("SageMaker takes its role for this account's servers only, whether or not it names the server", async () => {
      const take = (context: Record<string, string>) =>
        authz.check({
          principal: 'sagemaker.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: roleArn,
          context,
        });
      expect(
        (await take({ 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': serverArn('acme-dev') })).allowed,
      ).toBe(true);
      expect((await take({ 'aws:SourceAccount': ACCOUNT })).allowed).toBe(true);
      const other = '999999999999';
      expect(
        (await take({ 'aws:SourceAccount': other, 'aws:SourceArn': serverArn('acme-dev', other) })).allowed,
      ).toBe(false);
      expect((await take({})).allowed).toBe(false);
    });

    test('its role reads and writes its artifact prefix only', async () => {
      const object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
      expect(
        await allowed(roleArn, 's3:PutObject', object('acme-dev-models', 'mlflow/1/abc/artifacts/model.pkl')),
      ).toBe(true);
      expect(
        await allowed(roleArn, 's3:GetObject', object('acme-dev-models', 'mlflow/1/abc/artifacts/model.pkl')),
      ).toBe(true);
      expect(
        await allowed(roleArn, 's3:GetObject', object('acme-dev-models', 'churn/runs/r1/model.tar.gz')),
      ).toBe(false);
      expect(await allowed(roleArn, 's3:PutObject', object('acme-dev-raw', 'mlflow/x'))).toBe(false);
      expect(await allowed(roleArn, 'sagemaker:CreateModelPackage', '*')).toBe(false);
    });

    test('a recorder logs runs on this server only; a reader reads and searches them, and logs nothing', async () => {
      const recorder = `arn:aws:iam::${ACCOUNT}:role/recorder`;
      const reader = `arn:aws:iam::${ACCOUNT}:role/reader`;
      for (const action of ['CreateExperiment', 'CreateRun', 'LogBatch', 'SetTag', 'UpdateRun']) {
        expect([
          action,
          await allowed(recorder, `sagemaker-mlflow:${action}`, serverArn('acme-dev')),
        ]).toEqual([action, true]);
        expect([action, await allowed(recorder, `sagemaker-mlflow:${action}`, serverArn('another'))]).toEqual(
          [action, false],
        );
        expect([action, await allowed(reader, `sagemaker-mlflow:${action}`, serverArn('acme-dev'))]).toEqual([
          action,
          false,
        ]);
      }
      for (const action of ['SearchRuns', 'GetRun', 'SearchExperiments']) {
        expect([action, await allowed(reader, `sagemaker-mlflow:${action}`, serverArn('acme-dev'))]).toEqual([
          action,
          true,
        ]);
      }
      expect(await allowed(recorder, 'sagemaker-mlflow:DeleteRun', serverArn('acme-dev'))).toBe(false);
    });
  });

  test('a size, a prefix and a removal policy of its own', () => {
    const other = build({
      size: 'Medium',
      artifactPrefix: 'tracking/runs/',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(deployedProperties(other.app.synth())).toMatchObject({
      TrackingServerSize: 'Medium',
      ArtifactStoreUri: 's3://acme-dev-models/tracking/runs/',
    });
    const [r] = Object.values(other.template.findResources('AWS::SageMaker::MlflowTrackingServer'));
    expect(r.DeletionPolicy).toBe('Delete');
  });

  test('bad props are refused in one error naming each', () => {
    expect(() =>
      build({
        trackingServerName: 'bad_name',
        artifactPrefix: 'no-slash',
        weeklyMaintenanceWindowStart: 'Sunday 3am',
        size: 'Huge' as never,
      }),
    ).toThrow(
      "MlflowTrackingServer: trackingServerName 'bad_name' must be 1-256 letters, digits and single '-' between them; " +
        "artifactPrefix 'no-slash' must be a key prefix ending with '/', without '*'; " +
        "weeklyMaintenanceWindowStart 'Sunday 3am' must be Day:HH:MM (UTC), e.g. Sun:03:00; " +
        "size 'Huge' must be one of Small, Medium, Large",
    );
  });
});
