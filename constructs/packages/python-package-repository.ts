import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codeartifact from 'aws-cdk-lib/aws-codeartifact';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  type PackageRepositoryReference,
  packageDomainArn,
  packageRepositoryArn,
} from './package-repository-reference';

/** CodeArtifact's name of its external connection to the Python Package Index. */
export const PYPI_EXTERNAL_CONNECTION = 'public:pypi';

/** What builds read: the repository whose upstream holds PyPI's packages. */
export const BUILD_PACKAGES_REPOSITORY = 'python';
/** The repository with the external connection (CodeArtifact's recommended one per domain). */
export const PYPI_UPSTREAM_REPOSITORY = 'pypi-upstream';

/** Domain names: 2-50 lowercase letters, digits and hyphens, starting with a letter (CodeArtifact's pattern). */
const DOMAIN_NAME = /^[a-z][a-z0-9-]{0,48}[a-z0-9]$/;

export interface PythonPackageRepositoryProps {
  /** The domain's name, unique in the account and region (it is part of the repository's hostname). */
  readonly domainName: string;
  /**
   * Encrypts every package of the domain. CodeArtifact accepts only a symmetric encryption key; its
   * key policy must let the account's IAM policies decide (the role CloudFormation deploys with
   * needs `kms:DescribeKey` and `kms:CreateGrant` on it to create the domain).
   */
  readonly encryptionKey: kms.IKey;
  /**
   * The roles that may read packages, as ARNs or ARN patterns of this account
   * (`arn:aws:iam::123456789012:role/builds/*`). Every other principal is denied a token of the
   * domain and the repository's packages, whatever its own policies allow.
   */
  readonly readerArns: readonly string[];
  /** @default RemovalPolicy.DESTROY: it holds copies of PyPI's packages, fetched again (hash-checked) after a loss */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A CodeArtifact domain whose builds install Python packages without reaching the internet: a
 * repository with an external connection to PyPI (`pypi-upstream`), and the repository builds read
 * (`python`), its upstream. A package a build asks for is fetched from PyPI once and kept; the
 * domain, the repository and the VPC endpoints admit only `readerArns`.
 *
 * @example
 * const packages = new PythonPackageRepository(this, 'Packages', {
 *   domainName: 'ml-prod', encryptionKey: key,
 *   readerArns: [`arn:aws:iam::${this.account}:role/ml/prod/builds/*`],
 * });
 */
export class PythonPackageRepository extends Construct {
  public readonly domain: codeartifact.CfnDomain;
  public readonly upstream: codeartifact.CfnRepository;
  public readonly repository: codeartifact.CfnRepository;
  /** The repository builds read, by name. */
  public readonly reference: PackageRepositoryReference;

  constructor(scope: Construct, id: string, props: PythonPackageRepositoryProps) {
    super(scope, id);
    const problems = [
      ...(DOMAIN_NAME.test(props.domainName)
        ? []
        : [
            `domainName '${props.domainName}' must be 2-50 lowercase letters, digits or '-', starting with a letter`,
          ]),
      ...(props.readerArns.length === 0 ? ['readerArns must name at least one role'] : []),
    ];
    if (problems.length > 0)
      throw new Error(`PythonPackageRepository ${this.node.path}: ${problems.join('; ')}`);

    const stack = Stack.of(this);
    this.reference = {
      domainName: props.domainName,
      domainOwner: stack.account,
      repositoryName: BUILD_PACKAGES_REPOSITORY,
    };
    const readers = { ArnLike: { 'aws:PrincipalArn': [...props.readerArns] } };
    const others = { ArnNotLike: { 'aws:PrincipalArn': [...props.readerArns] } };
    const account = new iam.AccountRootPrincipal();

    // The policies name their own resources by ARN (a GetAtt of itself would be a cycle).
    const domainArn = packageDomainArn(this, this.reference);
    this.domain = new codeartifact.CfnDomain(this, 'Domain', {
      domainName: props.domainName,
      encryptionKey: props.encryptionKey.keyArn,
      permissionsPolicyDocument: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'ReadersGetTokens',
            principals: [account],
            actions: ['codeartifact:GetAuthorizationToken'],
            resources: [domainArn],
            conditions: readers,
          }),
          new iam.PolicyStatement({
            sid: 'NobodyElseGetsTokens',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['codeartifact:GetAuthorizationToken'],
            resources: [domainArn],
            conditions: others,
          }),
        ],
      }),
    });
    // Named through the resources they need (GetAtt), so that CloudFormation creates them in order.
    this.upstream = new codeartifact.CfnRepository(this, 'PypiUpstream', {
      domainName: this.domain.attrName,
      repositoryName: PYPI_UPSTREAM_REPOSITORY,
      description: 'Packages fetched from PyPI (the external connection)',
      externalConnections: [PYPI_EXTERNAL_CONNECTION],
    });
    const repositoryArn = packageRepositoryArn(this, this.reference);
    this.repository = new codeartifact.CfnRepository(this, 'Repository', {
      domainName: this.domain.attrName,
      repositoryName: BUILD_PACKAGES_REPOSITORY,
      description: 'What builds install from: PyPI through its upstream, each package kept once fetched',
      upstreams: [this.upstream.attrName],
      permissionsPolicyDocument: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'ReadersRead',
            principals: [account],
            actions: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
            resources: [repositoryArn],
            conditions: readers,
          }),
          new iam.PolicyStatement({
            sid: 'NobodyElseReads',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['codeartifact:ReadFromRepository'],
            resources: [repositoryArn],
            conditions: others,
          }),
        ],
      }),
    });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    for (const resource of [this.domain, this.upstream, this.repository]) {
      resource.applyRemovalPolicy(removalPolicy);
    }
  }
}
