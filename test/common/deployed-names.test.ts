import { deployedNames } from '../../cfn/deployed-names';
import { TemplateReader } from '../../cfn/template-reader';

const target = { account: '123456789012', region: 'us-east-1', stackName: 'Local-Training' };
const noProperties = () => undefined;

describe('names a deploy reported (physical ids)', () => {
  test('replace the stand-in where CloudFormation generates the name, with ARNs built as AWS documents them', () => {
    const role = deployedNames(
      'AWS::IAM::Role',
      'JobRole',
      target,
      noProperties,
      'Local-Training-JobRole-ABC123',
    );
    expect(role.ref).toBe('Local-Training-JobRole-ABC123');
    expect(role.attribute('Arn')).toBe('arn:aws:iam::123456789012:role/Local-Training-JobRole-ABC123');
    const key = deployedNames(
      'AWS::KMS::Key',
      'DataKey',
      target,
      noProperties,
      '0b3f0444-7e2f-4f77-8f5a-c807f11ad3e3',
    );
    expect(key.attribute('Arn')).toBe(
      'arn:aws:kms:us-east-1:123456789012:key/0b3f0444-7e2f-4f77-8f5a-c807f11ad3e3',
    );
  });

  test('where Ref is the ARN, the ARN is the physical id and the name its last part', () => {
    const arn = 'arn:aws:sns:us-east-1:123456789012:Local-Operations-Alerts-XYZ';
    const topic = deployedNames('AWS::SNS::Topic', 'Alerts', target, noProperties, arn);
    expect(topic.ref).toBe(arn);
    expect(topic.attribute('TopicName')).toBe('Local-Operations-Alerts-XYZ');
    const machineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:Local-Training-Pipeline-Q1';
    const machine = deployedNames(
      'AWS::StepFunctions::StateMachine',
      'Pipeline',
      target,
      noProperties,
      machineArn,
    );
    expect([machine.ref, machine.attribute('Name')]).toEqual([machineArn, 'Local-Training-Pipeline-Q1']);
  });

  test('a name the template gives wins over the physical id', () => {
    const bucket = deployedNames(
      'AWS::S3::Bucket',
      'RawBucket',
      target,
      (path) => (path === 'BucketName' ? 'mlenv-local-raw' : undefined),
      'something-else',
    );
    expect(bucket.ref).toBe('mlenv-local-raw');
  });

  test('a reader with physical ids resolves references to them, in every stack that makes them', () => {
    const stack = {
      ...target,
      id: 'Local/Training',
      template: {
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Uses: { Type: 'AWS::Custom::Thing', Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
        },
      },
    };
    const reader = TemplateReader.ofDeployment([stack], undefined, (s, logicalId) =>
      s.stackName === 'Local-Training' && logicalId === 'Role' ? 'Local-Training-Role-1A2B' : undefined,
    );
    expect(reader.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] }, stack)).toBe(
      'arn:aws:iam::123456789012:role/Local-Training-Role-1A2B',
    );
    // Without physical ids: the stand-in (the logical id).
    expect(TemplateReader.ofDeployment([stack]).resolve({ Ref: 'Role' }, stack)).toBe('Role');
  });
});

test("an OIDC provider's Ref is its ARN, named by its URL without the scheme (as IAM names it)", () => {
  const provider = deployedNames('AWS::IAM::OIDCProvider', 'GitHub', target, (path) =>
    path === 'Url' ? 'https://token.actions.githubusercontent.com' : undefined,
  );
  expect(provider.ref).toBe('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
  expect(provider.attribute('Arn')).toBe(provider.ref);
});
