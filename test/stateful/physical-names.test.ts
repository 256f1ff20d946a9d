import type { DeployableStack } from '../../cfn/template-reader';
import { nameReader, physicalNames } from '../../lib/tools/stateful/physical-names';

/** A hand-written stack: names given as literals, pseudo parameters, a key alias and a template parameter. */
const stack: DeployableStack = {
  id: 'Qa/Storage',
  stackName: 'Qa-Storage',
  account: '444444444444',
  region: 'ap-southeast-2',
  template: {
    Parameters: { Suffix: { Type: 'String' } },
    Resources: {
      Literal: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'acme-qa-raw' } },
      Joined: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: {
            'Fn::Join': ['-', ['acme', { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }, 'curated']],
          },
        },
      },
      Generated: { Type: 'AWS::S3::Bucket', Properties: {} },
      Group: {
        Type: 'AWS::SageMaker::ModelPackageGroup',
        Properties: { ModelPackageGroupName: { 'Fn::Sub': 'acme-${AWS::Region}-churn' } },
      },
      Logs: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: { 'Fn::Join': ['', ['/acme/', { Ref: 'Suffix' }]] } },
      },
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      KeyAlias: {
        Type: 'AWS::KMS::Alias',
        Properties: { AliasName: 'alias/acme-qa', TargetKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
      },
      KeyOtherAlias: {
        Type: 'AWS::KMS::Alias',
        Properties: { AliasName: 'alias/acme', TargetKeyId: { Ref: 'Key' } },
      },
      UnaliasedKey: { Type: 'AWS::KMS::Key', Properties: {} },
    },
  },
};

describe('physical names of stateful resources', () => {
  const names = physicalNames(stack, nameReader([stack]));

  test('literals are recorded as they are, pseudo parameters resolved to where the stack deploys', () => {
    expect(names).toMatchObject({
      Literal: 'acme-qa-raw',
      Joined: 'acme-444444444444-ap-southeast-2-curated',
      Group: 'acme-ap-southeast-2-churn',
    });
  });

  test('a key is named by the aliases that target it, in order', () => {
    expect(names.Key).toBe('alias/acme, alias/acme-qa');
  });

  test('a token that cannot be resolved is recorded as its JSON text', () => {
    expect(names.Logs).toBe('/acme/{"Ref":"Suffix"}');
  });

  test('resources that CloudFormation names get no name', () => {
    expect(Object.keys(names).sort()).toEqual(['Group', 'Joined', 'Key', 'Literal', 'Logs']);
  });
});
