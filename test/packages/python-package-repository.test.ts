import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { grantPackageRead, pipLoginCommand, PythonPackageRepository } from '../../constructs';
import { AuthorizationModel } from '../../lib/tools/authorization';
import { testApp } from '../support/test-app';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
/** CodeArtifact's documented ARN formats. */
const DOMAIN_ARN = `arn:aws:codeartifact:${REGION}:${ACCOUNT}:domain/acme-prod`;
const REPOSITORY_ARN = (name: string) =>
  `arn:aws:codeartifact:${REGION}:${ACCOUNT}:repository/acme-prod/${name}`;

function build() {
  const app = testApp();
  const stack = new Stack(app, 'Packages', { env: { account: ACCOUNT, region: REGION } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const packages = new PythonPackageRepository(stack, 'Packages', {
    domainName: 'acme-prod',
    encryptionKey: key,
    readerArns: [`arn:aws:iam::${ACCOUNT}:role/acme/prod/builds/*`],
  });
  const builder = new iam.Role(stack, 'Builder', {
    assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    path: '/acme/prod/builds/',
    roleName: 'builder',
  });
  grantPackageRead(builder, stack, packages.reference);
  // A role of the same account whose own policy would let it read any repository.
  const other = new iam.Role(stack, 'Other', {
    assumedBy: new iam.AccountRootPrincipal(),
    roleName: 'other',
  });
  other.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['codeartifact:GetAuthorizationToken', 'codeartifact:ReadFromRepository'],
      resources: ['*'],
    }),
  );
  return { app, stack, packages, template: Template.fromStack(stack) };
}

describe('PythonPackageRepository', () => {
  const { app, packages, template } = build();
  const [domain] = Object.values(template.findResources('AWS::CodeArtifact::Domain'));
  const repositories = Object.values(template.findResources('AWS::CodeArtifact::Repository'));
  const byName = (name: string) => repositories.find((r) => r.Properties.RepositoryName === name)!;

  test("a domain encrypted with the given key, PyPI's external connection on one repository, the builds' repository its downstream", () => {
    expect(domain.Properties.DomainName).toBe('acme-prod');
    expect(JSON.stringify(domain.Properties.EncryptionKey)).toContain('Key');
    const upstream = repositories.find((r) => r.Properties.ExternalConnections !== undefined)!;
    expect(upstream.Properties.ExternalConnections).toEqual(['public:pypi']);
    const builds = byName(packages.reference.repositoryName);
    expect(builds.Properties.ExternalConnections).toBeUndefined();
    expect(JSON.stringify(builds.Properties.Upstreams)).toContain('PypiUpstream');
    expect(packages.reference).toEqual({
      domainName: 'acme-prod',
      domainOwner: ACCOUNT,
      repositoryName: 'python',
    });
  });

  test('the login command names the domain, its owner and the repository, with a token of 15 minutes', () => {
    expect(pipLoginCommand(packages.reference)).toBe(
      `aws codeartifact login --tool pip --domain acme-prod --domain-owner ${ACCOUNT} --repository python --duration-seconds 900`,
    );
  });

  describe('who may read, evaluated', () => {
    const authz = AuthorizationModel.fromAssembly(app.synth());
    const check = (principal: string, action: string, resource: string) =>
      authz.check({ principal, action, resource }).then((d) => d.result);
    const builder = `arn:aws:iam::${ACCOUNT}:role/acme/prod/builds/builder`;
    const other = `arn:aws:iam::${ACCOUNT}:role/other`;

    test('a role under the readers’ path gets a token, the endpoint and packages of the builds’ repository', async () => {
      expect(await check(builder, 'codeartifact:GetAuthorizationToken', DOMAIN_ARN)).toBe('Allowed');
      expect(await check(builder, 'codeartifact:GetRepositoryEndpoint', REPOSITORY_ARN('python'))).toBe(
        'Allowed',
      );
      expect(await check(builder, 'codeartifact:ReadFromRepository', REPOSITORY_ARN('python'))).toBe(
        'Allowed',
      );
      // ...and nothing of the upstream, which it never reads directly.
      expect(
        await check(builder, 'codeartifact:ReadFromRepository', REPOSITORY_ARN('pypi-upstream')),
      ).not.toBe('Allowed');
    });

    test('any other role of the account is denied by the domain and the repository, whatever its own policy says', async () => {
      expect(await check(other, 'codeartifact:GetAuthorizationToken', DOMAIN_ARN)).toBe('ExplicitlyDenied');
      expect(await check(other, 'codeartifact:ReadFromRepository', REPOSITORY_ARN('python'))).toBe(
        'ExplicitlyDenied',
      );
    });

    test("another account's role of the same path is denied", async () => {
      const foreign = 'arn:aws:iam::999999999999:role/acme/prod/builds/builder';
      expect(await check(foreign, 'codeartifact:ReadFromRepository', REPOSITORY_ARN('python'))).not.toBe(
        'Allowed',
      );
    });
  });

  test.each([
    ['Acme', /domainName 'Acme' must be 2-50 lowercase/],
    ['a', /domainName 'a' must be/],
    ['-acme', /domainName '-acme' must be/],
  ])('refuses the domain name %p', (domainName, message) => {
    const stack = new Stack(testApp(), 'Bad', { env: { account: ACCOUNT, region: REGION } });
    const encryptionKey = new kms.Key(stack, 'Key');
    expect(
      () =>
        new PythonPackageRepository(stack, 'P', {
          domainName,
          encryptionKey,
          readerArns: ['arn:aws:iam::1:role/x'],
        }),
    ).toThrow(message);
  });

  test('refuses a repository nobody may read', () => {
    const stack = new Stack(testApp(), 'Bad', { env: { account: ACCOUNT, region: REGION } });
    const encryptionKey = new kms.Key(stack, 'Key');
    expect(
      () => new PythonPackageRepository(stack, 'P', { domainName: 'acme', encryptionKey, readerArns: [] }),
    ).toThrow(/readerArns must name at least one role/);
  });
});
