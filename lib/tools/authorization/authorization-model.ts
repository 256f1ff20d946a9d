import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { PhysicalIds } from '../../../cfn/template-reader';
import { accountOfRoot, bucketOfS3Arn, isServicePrincipal, parseArn } from '../calls/arns';
import type { Decision } from './decision';
import { DeployedAssembly } from '../calls/deployed-assembly';
import { explain, grantsOf, type PrincipalSide, type ResourceSide } from './explanation';
import { awsOwnedImageRepositoryPolicy } from '../calls/outside-the-assembly';
import { PolicyInventory } from '../calls/policy-inventory';
import type { AuthorizationRequest } from '../calls/run-time-call';

/**
 * Every run-time policy of a synthesized cloud assembly, and a check of single requests against
 * them with a real IAM evaluator (`@cloud-copilot/iam-simulate`): identity policies and permission
 * boundaries of the principal, the resource's policy (bucket, key, topic, model package group,
 * CodeArtifact domain and repository, role trust), the policy of the VPC endpoint a request goes
 * through, same- and cross-account rules, KMS key policy and trust policy semantics.
 *
 * ```ts
 * const authz = AuthorizationModel.fromAssembly(assembly);
 * const decision = await authz.check({ principal: roleArn, action: 's3:GetObject', resource: objectArn });
 * ```
 */
export class AuthorizationModel {
  /**
   * The policies of `assembly` as deployed; names CloudFormation generates are stand-ins, or what
   * a deploy reported (`physicalIds`: the local environment's deployment in the emulator).
   */
  public static fromAssembly(assembly: CloudAssembly, physicalIds?: PhysicalIds): AuthorizationModel {
    return new AuthorizationModel(new PolicyInventory(DeployedAssembly.of(assembly, physicalIds)));
  }

  constructor(public readonly inventory: PolicyInventory) {}

  public async check(request: AuthorizationRequest): Promise<Decision> {
    const principal = this.principalSide(request);
    const resource = this.resourceSide(request, principal);
    const policies = [
      ...principal.identityPolicies.map((p) => p.name),
      ...(principal.permissionBoundary ? [`${principal.permissionBoundary.name} (boundary)`] : []),
      ...(resource.policy ? [resource.policy.name] : []),
    ];
    const endpoint = request.vpcEndpoint ? this.inventory.vpcEndpoints.get(request.vpcEndpoint) : undefined;
    if (endpoint?.policy) policies.push(endpoint.policy.name);
    const problem =
      resource.problem ??
      (resource.account ? undefined : 'the resource has no known owner') ??
      (request.vpcEndpoint && !endpoint
        ? `VPC endpoint ${request.vpcEndpoint} is not in the assembly`
        : undefined);
    if (problem) {
      return {
        allowed: false,
        result: 'Error',
        explanation: problem,
        grants: [],
        policies,
        ignoredContextKeys: [],
      };
    }
    const context = withTransportContext(request);
    if (endpoint) {
      Object.assign(context, {
        'aws:SourceVpce': endpoint.arn.split('/').at(-1)!,
        'aws:SourceVpc': endpoint.vpcId,
      });
    }
    const simulation: Simulation = {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resource.account! },
        contextVariables: context,
      },
      identityPolicies: principal.identityPolicies.map((p) => ({ name: p.name, policy: p.document })),
      permissionBoundaryPolicies: principal.permissionBoundary
        ? [{ name: principal.permissionBoundary.name, policy: principal.permissionBoundary.document }]
        : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resource.policy?.document,
      vpcEndpointPolicies: endpoint?.policy
        ? [{ name: endpoint.policy.name, policy: endpoint.policy.document }]
        : undefined,
    };
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') {
      return {
        allowed: false,
        result: 'Error',
        explanation: `iam-simulate refused the request: ${JSON.stringify(response.errors)}`,
        grants: [],
        policies,
        ignoredContextKeys: [],
      };
    }
    const results = response.resultType === 'single' ? [response.result] : response.results;
    const ignoredContextKeys = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))];
    const analysis = results.find((r) => r.analysis.result === response.overallResult)?.analysis;
    let decided: Pick<Decision, 'result' | 'explanation' | 'grants'> = {
      result: response.overallResult,
      explanation: explain(analysis, principal, resource, request),
      grants: response.overallResult === 'Allowed' && analysis ? grantsOf(analysis, principal, resource) : [],
    };
    // iam-simulate's validated path drops `kms:EncryptionContext:<key>` (it matches variable keys
    // only up to a '/') and GitHub's OIDC `sub` and `aud` (its service data lists the issuer's other
    // claims only); its unvalidated path evaluates them. Decide with them when given.
    const dropped = ignoredContextKeys.filter(
      (k) =>
        /^kms:encryptioncontext:/i.test(k) || /^token\.actions\.githubusercontent\.com:(sub|aud)$/i.test(k),
    );
    if (dropped.length > 0) {
      decided = withEncryptionContext(simulation, resource, dropped, decided);
    }
    return {
      allowed: decided.result === 'Allowed',
      ...decided,
      explanation: [decided.explanation, ...principal.notes].join('; '),
      policies,
      ignoredContextKeys: ignoredContextKeys.filter((k) => !dropped.includes(k)),
    };
  }

  private principalSide(request: AuthorizationRequest): PrincipalSide {
    const { principal } = request;
    if (isServicePrincipal(principal)) {
      const source = request.context?.['aws:SourceAccount'];
      return { account: typeof source === 'string' ? source : undefined, identityPolicies: [], notes: [] };
    }
    const rootOf = accountOfRoot(principal);
    if (rootOf) {
      // An account as a principal stands for whoever that account lets do anything: only the
      // resource's side can stop it.
      return {
        account: rootOf,
        identityPolicies: [
          {
            name: `administrator of account ${rootOf}`,
            document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          },
        ],
        notes: [],
      };
    }
    const role = this.inventory.roles.get(principal);
    if (!role && request.administrator) {
      const account = parseArn(principal)?.account;
      return {
        account,
        identityPolicies: [
          {
            name: `administrator role of account ${account}`,
            document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          },
        ],
        notes: [],
      };
    }
    if (!role) {
      return {
        account: parseArn(principal)?.account,
        identityPolicies: [],
        notes: [`${principal} is not a role of the assembly: it has no policies here`],
      };
    }
    return {
      account: role.stage.account,
      identityPolicies: role.identityPolicies,
      permissionBoundary: role.permissionBoundary,
      notes: role.unreadablePolicies.map((p) => `${p} is not in the assembly and was not evaluated`),
    };
  }

  private resourceSide(request: AuthorizationRequest, principal: PrincipalSide): ResourceSide {
    const { resource, action } = request;
    if (resource === '*') return { account: request.resourceAccount ?? principal.account };
    const arn = parseArn(resource);
    if (!arn) return { problem: `${resource} is not an ARN` };
    const owner = request.resourceAccount ?? (arn.account || undefined);
    switch (arn.service) {
      case 's3': {
        const bucket = this.inventory.buckets.get(bucketOfS3Arn(resource) ?? '');
        if (!bucket) return { problem: `bucket of ${resource} is not in the assembly` };
        return { account: bucket.stage.account, policy: bucket.policy };
      }
      case 'kms': {
        const key = this.inventory.keys.get(resource);
        if (!key) return { problem: `key ${resource} is not in the assembly` };
        return { account: key.account, policy: key.policy };
      }
      case 'sns':
        return { account: owner, policy: this.inventory.topics.get(resource)?.policy };
      case 'sagemaker': {
        const group = /^model-package(?:-group)?\/([^/]+)/.exec(arn.resource)?.[1];
        if (!group) return { account: owner };
        const groupArn = `arn:${arn.partition}:sagemaker:${arn.region}:${arn.account}:model-package-group/${group}`;
        return { account: owner, policy: this.inventory.modelPackageGroups.get(groupArn)?.policy };
      }
      case 'codeartifact': {
        // A domain's policy decides its tokens; a repository's, its packages (`package/<domain>/<repo>/...`).
        const [kind, domain, repository] = arn.resource.split('/');
        const target =
          kind === 'domain'
            ? `arn:${arn.partition}:codeartifact:${arn.region}:${arn.account}:domain/${domain}`
            : `arn:${arn.partition}:codeartifact:${arn.region}:${arn.account}:repository/${domain}/${repository}`;
        return { account: owner, policy: this.inventory.packageResources.get(target)?.policy };
      }
      case 'iam':
        // A role's trust policy is its resource policy for assuming it, and only for that.
        return /^sts:AssumeRole/.test(action)
          ? { account: owner, policy: this.inventory.roles.get(resource)?.trustPolicy }
          : { account: owner };
      case 'ecr': {
        const inAssembly = this.inventory.deployed.stages.some((s) => s.account === arn.account);
        return { account: owner, policy: inAssembly ? undefined : awsOwnedImageRepositoryPolicy(resource) };
      }
      default:
        return { account: owner };
    }
  }
}

/** Requests to AWS go over TLS (1.2 at least, what AWS endpoints accept), unless a call says otherwise. */
function withTransportContext(request: AuthorizationRequest): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true' };
  // IAM puts the caller's ARN and account in every request a role makes.
  const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(request.principal);
  if (role)
    Object.assign(context, { 'aws:PrincipalArn': request.principal, 'aws:PrincipalAccount': role[1] });
  if (request.action.startsWith('s3:')) context['s3:TlsVersion'] = '1.2';
  for (const [key, value] of Object.entries(request.context ?? {})) {
    context[key] = typeof value === 'string' ? value : [...value];
  }
  return context;
}

/** The decision once the encryption context is evaluated too (unvalidated, so without statements). */
function withEncryptionContext(
  simulation: Simulation,
  resource: ResourceSide,
  keys: readonly string[],
  validated: Pick<Decision, 'result' | 'explanation' | 'grants'>,
): Pick<Decision, 'result' | 'explanation' | 'grants'> {
  const result = runUnsafeSimulation(
    {
      ...simulation,
      // Its unvalidated path needs the policy's name the way a validated policy carries it.
      resourcePolicy: simulation.resourcePolicy && {
        __validated: true,
        policyDocument: simulation.resourcePolicy,
        metadata: { name: resource.policy!.name },
        errors: [],
      },
    },
    {},
  );
  if (result === validated.result) return validated;
  return result === 'Allowed'
    ? {
        result,
        explanation: `allowed by ${resource.policy?.name ?? 'the resource policy'} once ${keys.join(', ')} is evaluated`,
        grants: [],
      }
    : {
        result,
        explanation: `${result}: no statement allows ${keys.join(', ')} as given (${validated.explanation})`,
        grants: [],
      };
}
