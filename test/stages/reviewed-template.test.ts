import { reviewedTemplate } from './reviewed-template';

// A template written by hand, in the shapes the CloudFormation user guide documents: a bucket with
// deletion policies, tags and an asset-named key, and a policy with a joined ARN and a condition.
const HASH = 'ab'.repeat(32);
const template = {
  Resources: {
    Bucket: {
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Metadata: { 'aws:cdk:path': 'Stack/Bucket/Resource' },
      Properties: {
        BucketName: 'data',
        Tags: [{ Key: 'team', Value: 'ml' }],
        VersioningConfiguration: { Status: 'Enabled' },
      },
    },
    Reader: {
      Type: 'AWS::IAM::Policy',
      DependsOn: ['Bucket'],
      Properties: {
        PolicyName: 'Reader',
        Description: 'Reads the data',
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:GetObjectVersion'],
              Resource: {
                'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, `/${HASH}.zip`]],
              },
              Condition: { Bool: { 'aws:SecureTransport': 'true' } },
            },
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::data']] },
            },
          ],
        },
      },
    },
  },
  Outputs: { BucketName: { Value: { Ref: 'Bucket' }, Export: { Name: 'Stack:BucketName' } } },
  Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>' } },
};

test('one line per resource, property and statement; no tags, metadata, prose, CDK policy names or asset hashes', () => {
  expect(reviewedTemplate(template).split('\n')).toEqual([
    'Bucket  AWS::S3::Bucket  (Retain)',
    '  BucketName: data',
    '  VersioningConfiguration: { Status: Enabled }',
    'Reader  AWS::IAM::Policy',
    '  Roles: [!Ref Role]',
    '  PolicyDocument: Allow s3:GetObject,s3:GetObjectVersion on ${Bucket.Arn}/<asset>.zip if Bool aws:SecureTransport=true',
    '  PolicyDocument: Deny s3:* for AWS:* on arn:${AWS::Partition}:s3:::data',
    'output BucketName: !Ref Bucket (export Stack:BucketName)',
  ]);
});

test('deletion and replacement policies that differ are both shown', () => {
  const resource = { Type: 'AWS::KMS::Key', DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Retain' };
  expect(reviewedTemplate({ Resources: { Key: resource } })).toBe('Key  AWS::KMS::Key  (Delete/Retain)');
});
