import { basename } from 'node:path';
import {
  CfnResource,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { type Finding, ML_POLICY_RULES, type MlPolicyRule, RULE_CHECKS } from './rules';
import { readResources, type TemplateResource } from './private/template-resources';

export { ML_POLICY_RULES, type MlPolicyRule, type MlPolicyRuleId } from './rules';

/** Properties of an `MlPolicyPack`. */
export interface MlPolicyPackProps {
  /** Apply the production rules (endpoint rules). @default false */
  readonly production?: boolean;
  /**
   * Accounts that may be granted access to model package groups (besides the group's own account).
   * @default - none
   */
  readonly trustedAccounts?: string[];
}

/**
 * A CDK validation plugin that checks synthesized templates against the ML platform's policy
 * (`ML_POLICY_RULES`): time-limited, encrypted, isolated SageMaker jobs, versioned buckets, model
 * registries shared only with trusted accounts, no wildcard IAM actions and, in production,
 * redundant, monitored, VPC-bound endpoints that roll back. Any violation fails synth.
 *
 * ```ts
 * Validations.of(app).addPlugins(new MlPolicyPack({ production: true, trustedAccounts: ['111111111111'] }));
 * ```
 *
 * A violation on a resource is skipped when the resource's construct or one of its ancestors
 * acknowledges the rule with a reason:
 * `Validations.of(scope).acknowledge({ id: 'mlenv-ml-policy::MLENV-BUCKET-VERSIONING', reason: '...' })`
 * (the id without the `mlenv-ml-policy::` prefix works too).
 */
export class MlPolicyPack implements IPolicyValidationPlugin {
  public readonly name = 'mlenv-ml-policy';
  public readonly ruleIds: string[];
  private readonly rules: readonly MlPolicyRule[];
  private readonly trustedAccounts: readonly string[];

  constructor(props: MlPolicyPackProps = {}) {
    const problems = (props.trustedAccounts ?? [])
      .filter((account) => !/^\d{12}$/.test(account))
      .map((account) => `trustedAccounts: '${account}' is not a 12-digit account id`);
    if (problems.length > 0) throw new Error(`Invalid MlPolicyPack props:\n  - ${problems.join('\n  - ')}`);

    this.rules = ML_POLICY_RULES.filter((rule) => props.production || !rule.productionOnly);
    this.ruleIds = this.rules.map((rule) => rule.id);
    this.trustedAccounts = props.trustedAccounts ?? [];
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const resources = readResources(context);
    const constructs = new ConstructIndex(context.appConstruct);
    const violations: PolicyViolation[] = [];
    for (const rule of this.rules) {
      for (const resource of resources) {
        const findings = RULE_CHECKS[rule.id](resource, { trustedAccounts: this.trustedAccounts });
        if (findings.length === 0) continue;
        const construct = constructs.find(resource);
        const acks = acknowledgements(construct, rule.id);
        if (acks.some((reason) => reason.trim() !== '')) continue;
        violations.push(violation(rule, resource, construct, findings, acks.length > 0));
      }
    }
    return { success: violations.length === 0, violations };
  }
}

function violation(
  rule: MlPolicyRule,
  resource: TemplateResource,
  construct: IConstruct | undefined,
  findings: Finding[],
  acknowledgedWithoutReason: boolean,
): PolicyViolation {
  const problems = findings.map((f) => f.problem).join('; ');
  const constructPath = resource.constructPath ?? construct?.node.path;
  return {
    ruleName: rule.id,
    description: acknowledgedWithoutReason
      ? `${rule.description}: ${problems}. It is acknowledged without a reason, and an acknowledgement needs a reason`
      : `${rule.description}: ${problems}`,
    fix: acknowledgedWithoutReason
      ? `${rule.fix}; or give the acknowledgement a reason: ` +
        `Validations.of(scope).acknowledge({ id: 'mlenv-ml-policy::${rule.id}', reason: '...' })`
      : rule.fix,
    // CDK itself skips an acknowledged violation unless it is fatal, whatever the reason says.
    severity: acknowledgedWithoutReason ? 'fatal' : 'error',
    violatingResources: [
      {
        resourceLogicalId: resource.logicalId,
        templatePath: resource.templatePath,
        locations: [...new Set(findings.map((f) => f.location))],
        ...(constructPath ? { constructPath } : {}),
      },
    ],
  };
}

/**
 * The reasons of the acknowledgements of a rule on a construct and its ancestors. CDK stores
 * `acknowledge({ id: 'mlenv-ml-policy::RULE' })` under that id, and `acknowledge({ id: 'RULE' })`
 * as `Annotation::RULE` (older versions `annotation::RULE`).
 */
function acknowledgements(construct: IConstruct | undefined, ruleId: string): string[] {
  const ids = [`mlenv-ml-policy::${ruleId}`, ruleId];
  const reasons: string[] = [];
  for (let scope = construct; scope !== undefined; scope = scope.node.scope) {
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries((entry.data ?? {}) as Record<string, unknown>)) {
        if (ids.includes(id.replace(/^annotation::/i, '')))
          reasons.push(typeof reason === 'string' ? reason : '');
      }
    }
  }
  return reasons;
}

/** Finds the construct of a template resource: by its `aws:cdk:path`, else by template and logical id. */
class ConstructIndex {
  private readonly byPath = new Map<string, IConstruct>();
  private readonly byLogicalId = new Map<string, IConstruct>();

  constructor(root: IConstruct) {
    for (const construct of root.node.findAll()) {
      this.byPath.set(construct.node.path, construct);
      if (CfnResource.isCfnResource(construct)) {
        const stack = Stack.of(construct);
        this.byLogicalId.set(`${stack.templateFile}#${stack.resolve(construct.logicalId)}`, construct);
      }
    }
  }

  public find(resource: TemplateResource): IConstruct | undefined {
    return (
      (resource.constructPath !== undefined ? this.byPath.get(resource.constructPath) : undefined) ??
      this.byLogicalId.get(`${basename(resource.templatePath)}#${resource.logicalId}`)
    );
  }
}
