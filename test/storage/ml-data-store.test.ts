import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { MlDataStore, type MlDataStoreProps } from '../../constructs';

function synth(props?: MlDataStoreProps) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const store = new MlDataStore(stack, 'Data', props);
  return { stack, store, template: () => Template.fromStack(stack) };
}

const DATA_BUCKETS = ['RawBucket', 'CuratedBucket', 'ModelsBucket', 'MonitoringBucket'];

function bucketIds(template: Template): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const id of Object.keys(template.findResources('AWS::S3::Bucket'))) {
    const name = [...DATA_BUCKETS, 'AccessLogsBucket'].find((b) => id.startsWith(`Data${b}`));
    if (name) ids[name] = id;
  }
  return ids;
}

describe('MlDataStore', () => {
  const { template: t } = synth();
  const template = t();
  const ids = bucketIds(template);
  const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];

  test('creates one customer-managed key with rotation and five buckets', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourceCountIs('AWS::S3::Bucket', 5);
    expect(Object.keys(ids).sort()).toEqual([...DATA_BUCKETS, 'AccessLogsBucket'].sort());
  });

  test.each(DATA_BUCKETS)('%s is encrypted with the customer-managed key', (bucket) => {
    expect(template.toJSON().Resources[ids[bucket]].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
        },
      ],
    });
  });

  test('the access log bucket uses S3-managed encryption, which server access logging requires', () => {
    expect(template.toJSON().Resources[ids.AccessLogsBucket].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  test.each([...DATA_BUCKETS, 'AccessLogsBucket'])('%s blocks public access and is versioned', (bucket) => {
    const props = template.toJSON().Resources[ids[bucket]].Properties;
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  test.each([...DATA_BUCKETS, 'AccessLogsBucket'])('%s refuses requests without TLS', (bucket) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids[bucket] },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test.each(DATA_BUCKETS)('%s logs access to the access log bucket', (bucket) => {
    expect(template.toJSON().Resources[ids[bucket]].Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: ids.AccessLogsBucket },
      LogFilePrefix: `${bucket}/`,
    });
  });

  test('the access log bucket lets only S3 logging of its own buckets write to it', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.AccessLogsBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:PutObject',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.RawBucket, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': '123456789012' },
            },
          }),
        ]),
      },
    });
  });

  test('noncurrent versions expire after 90 days by default; monitoring data moves to IA after 30', () => {
    const rules = (bucket: string) =>
      template.toJSON().Resources[ids[bucket]].Properties.LifecycleConfiguration.Rules;
    for (const bucket of DATA_BUCKETS) {
      expect(rules(bucket)).toContainEqual(
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
      );
    }
    expect(rules('MonitoringBucket')).toContainEqual(
      expect.objectContaining({
        Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
        Status: 'Enabled',
      }),
    );
    expect(rules('RawBucket')).not.toContainEqual(
      expect.objectContaining({ Transitions: expect.anything() }),
    );
    expect(rules('AccessLogsBucket')).toContainEqual(expect.objectContaining({ ExpirationInDays: 365 }));
  });

  test('lifecycle follows the props', () => {
    const custom = synth({
      noncurrentVersionExpiration: Duration.days(14),
      monitoringInfrequentAccessAfter: Duration.days(45),
      accessLogsExpiration: Duration.days(30),
    }).template();
    const customIds = bucketIds(custom);
    const rules = (bucket: string) =>
      custom.toJSON().Resources[customIds[bucket]].Properties.LifecycleConfiguration.Rules;
    expect(rules('RawBucket')[0].NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 14 });
    expect(rules('MonitoringBucket')[1].Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
    ]);
    expect(rules('AccessLogsBucket')[0].ExpirationInDays).toBe(30);
  });

  test('retains buckets and key by default, and never adds a Lambda-backed custom resource', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('RemovalPolicy.DESTROY deletes buckets and key with the stack, still without custom resources', () => {
    const destroy = synth({ removalPolicy: RemovalPolicy.DESTROY }).template();
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const resource of Object.values(destroy.findResources(type))) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      }
    }
    destroy.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('uses a key that is passed in instead of creating one', () => {
    const { stack } = synth();
    const key = new kms.Key(stack, 'Own', { enableKeyRotation: true });
    const store = new MlDataStore(stack, 'Other', { encryptionKey: key });
    expect(store.encryptionKey).toBe(key);
    const ownKeyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const raw =
      Template.fromStack(stack).toJSON().Resources[
        stack.getLogicalId(store.rawBucket.node.defaultChild as never)
      ];
    expect(
      raw.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [ownKeyId, 'Arn'] },
    });
  });

  test('refuses bad props, listing every problem', () => {
    expect(() =>
      synth({
        noncurrentVersionExpiration: Duration.hours(12),
        monitoringInfrequentAccessAfter: Duration.days(7),
      }),
    ).toThrow(
      'Invalid MlDataStore props:\n' +
        '  - noncurrentVersionExpiration must be a whole number of days, at least 1 (got 12 hours)\n' +
        '  - monitoringInfrequentAccessAfter must be a whole number of days, at least 30 (got 7 days)',
    );
  });

  describe('grants', () => {
    function policyOf(grant: (store: MlDataStore, role: iam.Role) => void) {
      const { stack, store } = synth();
      const role = new iam.Role(stack, 'Role', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      });
      grant(store, role);
      const template = Template.fromStack(stack);
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement,
      );
      return {
        statements,
        ids: bucketIds(template),
        keyId: Object.keys(template.findResources('AWS::KMS::Key'))[0],
      };
    }
    const actionsOn = (statements: { Action: string | string[]; Resource: unknown }[], ref: string) =>
      statements
        .filter((s) => JSON.stringify(s.Resource).includes(`"${ref}"`))
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    test('grantReadRaw reads the raw bucket only, and decrypts', () => {
      const { statements, ids, keyId } = policyOf((s, r) => s.grantReadRaw(r));
      expect(actionsOn(statements, ids.RawBucket)).toEqual(
        expect.arrayContaining(['s3:GetObject*', 's3:List*']),
      );
      expect(actionsOn(statements, ids.RawBucket)).not.toContain('s3:PutObject');
      expect(actionsOn(statements, ids.CuratedBucket)).toEqual([]);
      expect(actionsOn(statements, keyId).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    });

    test('grantReadWriteCurated reads and writes curated data, and uses the key both ways', () => {
      const { statements, ids, keyId } = policyOf((s, r) => s.grantReadWriteCurated(r));
      expect(actionsOn(statements, ids.CuratedBucket)).toEqual(
        expect.arrayContaining(['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*']),
      );
      expect(actionsOn(statements, keyId)).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
      );
    });

    test('grantReadModels reads model artifacts, and decrypts', () => {
      const { statements, ids, keyId } = policyOf((s, r) => s.grantReadModels(r));
      expect(actionsOn(statements, ids.ModelsBucket)).toEqual(expect.arrayContaining(['s3:GetObject*']));
      expect(actionsOn(statements, ids.ModelsBucket)).not.toContain('s3:PutObject');
      expect(actionsOn(statements, keyId).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    });

    test.each([
      ['grantWriteModels', 'ModelsBucket'],
      ['grantWriteMonitoring', 'MonitoringBucket'],
    ] as const)('%s puts objects into %s without deleting, and encrypts', (method, bucket) => {
      const { statements, ids, keyId } = policyOf((s, r) => s[method](r));
      const actions = actionsOn(statements, ids[bucket]);
      expect(actions).toContain('s3:PutObject');
      expect(actions.filter((a) => a.startsWith('s3:Delete') || a.startsWith('s3:GetObject'))).toEqual([]);
      expect(actionsOn(statements, keyId)).toEqual(expect.arrayContaining(['kms:GenerateDataKey*']));
      expect(actionsOn(statements, ids.RawBucket)).toEqual([]);
    });
  });
});
