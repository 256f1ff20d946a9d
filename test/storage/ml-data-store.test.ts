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
      'Invalid MlDataStore props at Test/Data:\n' +
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

    const sorted = (xs: string[]) => [...xs].sort();

    test('grantReadRaw reads the raw bucket only (no wildcard actions), and decrypts', () => {
      const { statements, ids, keyId } = policyOf((s, r) => s.grantReadRaw(r));
      expect(sorted(actionsOn(statements, ids.RawBucket))).toEqual([
        's3:GetBucketLocation',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:ListBucket',
      ]);
      expect(actionsOn(statements, ids.CuratedBucket)).toEqual([]);
      expect(sorted(actionsOn(statements, keyId))).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    });

    test('grantReadWriteCurated reads, writes and deletes curated data, and uses the key both ways', () => {
      const { statements, ids, keyId } = policyOf((s, r) => s.grantReadWriteCurated(r));
      expect(sorted(actionsOn(statements, ids.CuratedBucket))).toEqual([
        's3:AbortMultipartUpload',
        's3:DeleteObject',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:ListBucket',
        's3:PutObject',
      ]);
      expect(sorted(actionsOn(statements, keyId))).toEqual([
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
      ]);
    });

    test('grantReadModels reads model artifacts, and decrypts', () => {
      const { statements, ids, keyId } = policyOf((s, r) => s.grantReadModels(r));
      expect(actionsOn(statements, ids.ModelsBucket)).toContain('s3:GetObject');
      expect(actionsOn(statements, ids.ModelsBucket)).not.toContain('s3:PutObject');
      expect(sorted(actionsOn(statements, keyId))).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    });

    test.each([
      ['grantWriteModels', 'ModelsBucket'],
      ['grantWriteMonitoring', 'MonitoringBucket'],
    ] as const)('%s puts objects into %s without reading or deleting, and encrypts', (method, bucket) => {
      const { statements, ids, keyId } = policyOf((s, r) => s[method](r));
      expect(sorted(actionsOn(statements, ids[bucket]))).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
      expect(sorted(actionsOn(statements, keyId))).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(actionsOn(statements, ids.RawBucket)).toEqual([]);
    });

    test('a key pattern narrows the objects a grant reaches', () => {
      const { statements, ids } = policyOf((s, r) => s.grantReadRaw(r, 'churn/*'));
      const objects = statements.find((st: { Action: string[] }) =>
        [st.Action].flat().includes('s3:GetObject'),
      );
      expect(objects.Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.RawBucket, 'Arn'] }, '/churn/*']],
      });
    });
  });

  describe('named buckets', () => {
    test('bucketNamePrefix names every bucket', () => {
      const named = synth({ bucketNamePrefix: 'mlenv-dev-111111111111-eu-west-1' }).template();
      const names = Object.values(named.findResources('AWS::S3::Bucket'))
        .map((b) => b.Properties.BucketName)
        .sort();
      expect(names).toEqual(
        ['access-logs', 'curated', 'models', 'monitoring', 'raw'].map(
          (k) => `mlenv-dev-111111111111-eu-west-1-${k}`,
        ),
      );
    });

    test('a prefix that would make invalid bucket names is refused', () => {
      expect(() => synth({ bucketNamePrefix: 'Has_Upper' })).toThrow(
        /bucketNamePrefix 'Has_Upper' must be 1-51 lowercase/,
      );
      expect(() => synth({ bucketNamePrefix: 'x'.repeat(52) })).toThrow(/must be 1-51/);
    });

    test('fromMlDataStoreAttributes refers to the buckets by name and grants on them', () => {
      const { stack, store } = synth({ bucketNamePrefix: 'shared' });
      const imported = MlDataStore.fromMlDataStoreAttributes(stack, 'Imported', {
        bucketNamePrefix: 'shared',
        encryptionKey: store.encryptionKey,
      });
      const role = new iam.Role(stack, 'Reader', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      });
      imported.grantReadRaw(role, 'churn/*');
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement,
      );
      expect(JSON.stringify(statements)).toContain(':s3:::shared-raw/churn/*');
      expect(JSON.stringify(statements)).toContain('kms:Decrypt');
    });
  });

  test('the raw bucket sends object events to EventBridge natively, unless turned off', () => {
    const rawOf = (t: Template) =>
      Object.values(t.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.NotificationConfiguration);
    expect(rawOf(template)).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        }),
      }),
    ]);
    expect(rawOf(synth({ rawDataEvents: false }).template())).toEqual([]);
  });
});

describe('MlDataStore promotion reads and write-once runs', () => {
  const project = { bucketNamePrefix: 'mlenv-dev-123456789012-eu-west-1' };
  const reader = 'arn:aws:iam::222222222222:role/mlenv-staging-promotion';

  test('only the named role of the other account reads the runs, and decrypts only as S3 does for the models bucket', () => {
    const { store, template } = synth(project);
    store.grantPromotionReadModels(reader, ['churn/runs/*/*']);
    const t = template();
    const onlyTheRole = { ArnEquals: { 'aws:PrincipalArn': reader } };
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PromotionRead222222222222',
            Effect: 'Allow',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] },
            },
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Condition: onlyTheRole,
          }),
        ]),
      },
    });
    // The buckets use S3 Bucket Keys: S3 asks KMS with the bucket's ARN as encryption context.
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PromotionRead222222222222',
            Action: 'kms:Decrypt',
            Condition: {
              ...onlyTheRole,
              StringEquals: {
                'kms:ViaService': 's3.eu-west-1.amazonaws.com',
                'kms:EncryptionContext:aws:s3:arn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${project.bucketNamePrefix}-models`],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  test('a reader that is not a role, or a store without known bucket names, is refused', () => {
    expect(() =>
      synth(project).store.grantPromotionReadModels('arn:aws:iam::222222222222:root', ['x']),
    ).toThrow("'arn:aws:iam::222222222222:root' is not an IAM role ARN");
    expect(() => synth().store.grantPromotionReadModels(reader, ['x'])).toThrow('needs bucketNamePrefix');
  });

  test('run objects refuse a put without If-None-Match from everyone but the service writers', () => {
    const { store, template } = synth(project);
    const writers = ['arn:aws:iam::123456789012:role/mlenv-training-jobs/*'];
    store.refuseOverwrites(['*/runs/*/*'], writers);
    template().hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'WriteRunObjectsOnce',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Condition: {
              Bool: { 's3:ObjectCreationOperation': 'true' },
              Null: { 's3:if-none-match': 'true' },
              ArnNotLike: { 'aws:PrincipalArn': writers },
            },
          }),
        ]),
      },
    });
  });
});
