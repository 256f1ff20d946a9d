import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * A CodeArtifact repository that builds install Python packages from, by name: its ARNs follow
 * from the names, so a build in another stack grants and logs in without a CloudFormation export.
 */
export interface PackageRepositoryReference {
  readonly domainName: string;
  /** The account that owns the domain (the builds' own). */
  readonly domainOwner: string;
  /** The repository the builds read (its upstream reaches PyPI). */
  readonly repositoryName: string;
}

/** How long the token `aws codeartifact login` gets lives: CodeArtifact's minimum, 15 minutes (enough for one install). */
export const PACKAGE_TOKEN_SECONDS = 900;

/** The service whose bearer token `codeartifact:GetAuthorizationToken` asks STS for (`sts:AWSServiceName`). */
export const CODEARTIFACT_SERVICE_NAME = 'codeartifact.amazonaws.com';

/** `arn:<partition>:codeartifact:<region>:<owner>:domain/<domain>` (CodeArtifact's documented format). */
export function packageDomainArn(scope: IConstruct, reference: PackageRepositoryReference): string {
  return Stack.of(scope).formatArn({
    service: 'codeartifact',
    account: reference.domainOwner,
    resource: 'domain',
    resourceName: reference.domainName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** `arn:<partition>:codeartifact:<region>:<owner>:repository/<domain>/<repository>`. */
export function packageRepositoryArn(
  scope: IConstruct,
  reference: PackageRepositoryReference,
  repositoryName: string = reference.repositoryName,
): string {
  return Stack.of(scope).formatArn({
    service: 'codeartifact',
    account: reference.domainOwner,
    resource: 'repository',
    resourceName: `${reference.domainName}/${repositoryName}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** How every command that logs pip in to a CodeArtifact repository starts (what readers of buildspecs look for). */
export const PIP_LOGIN = 'aws codeartifact login --tool pip';

/**
 * The command that points pip at the repository for the rest of a build: `aws codeartifact login`
 * asks for a token (`GetAuthorizationToken`) and the repository's endpoint (`GetRepositoryEndpoint`)
 * and writes both into pip's own configuration as its index URL. The token is never printed (the
 * command prints the URL without it, pip masks it in what it logs) and expires after
 * `PACKAGE_TOKEN_SECONDS`.
 */
export function pipLoginCommand(reference: PackageRepositoryReference): string {
  return [
    PIP_LOGIN,
    `--domain ${reference.domainName}`,
    `--domain-owner ${reference.domainOwner}`,
    `--repository ${reference.repositoryName}`,
    `--duration-seconds ${PACKAGE_TOKEN_SECONDS}`,
  ].join(' ');
}

/**
 * Lets `grantee` log pip in to the repository and read packages from it: a token of the domain
 * (with the STS bearer token CodeArtifact asks for in the caller's name), the repository's
 * endpoint, its packages. Nothing else of CodeArtifact.
 */
export function grantPackageRead(
  grantee: iam.IGrantable,
  scope: IConstruct,
  reference: PackageRepositoryReference,
): void {
  const repository = packageRepositoryArn(scope, reference);
  for (const statement of [
    new iam.PolicyStatement({
      sid: 'PackageToken',
      actions: ['codeartifact:GetAuthorizationToken'],
      resources: [packageDomainArn(scope, reference)],
    }),
    new iam.PolicyStatement({
      sid: 'PackageRead',
      actions: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
      resources: [repository],
    }),
    // sts:GetServiceBearerToken has no resource type: only `*` names it; the condition keeps it to CodeArtifact.
    new iam.PolicyStatement({
      sid: 'PackageBearerToken',
      actions: ['sts:GetServiceBearerToken'],
      resources: ['*'],
      conditions: { StringEquals: { 'sts:AWSServiceName': CODEARTIFACT_SERVICE_NAME } },
    }),
  ]) {
    grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
}
