import { App } from 'aws-cdk-lib';
import { platformConfig } from '../../../config';
import {
  CLOUDFORMATION_TEMPLATE_LIMITS,
  ML_POLICY_RULES,
  MlPolicyPack,
  type MlPolicyRule,
  TemplateLimits,
} from '../../../constructs';
import { nagPacks } from '../../platform/compliance/nag-packs';

/** Where a rule applies: the platform turns production rules on for its reference environment only. */
export function appliesTo(rule: MlPolicyRule, reference = platformConfig().reference): string {
  return rule.productionOnly
    ? `${reference} only (the reference environment)`
    : 'every environment, and the delivery stacks';
}

/**
 * docs/reference/guardrails.md: the checks every synth runs, read from their definitions: the ML
 * policy pack's rules (constructs/policy/rules.ts: id, what it checks, where it applies, why, the
 * fix), CloudFormation's template limits and the cdk-nag packs. Written by `npm run docs:guardrails`;
 * test/docs/guardrails-reference.test.ts fails when it differs.
 */
export function guardrailsReference(): string {
  const reference = platformConfig().reference;
  const pack = new MlPolicyPack();
  const limits = new TemplateLimits();
  const summary = ML_POLICY_RULES.map(
    (rule) =>
      `| [\`${rule.id}\`](#${rule.id.toLowerCase()}) | ${appliesTo(rule, reference)} | ${prose(rule.description)} |`,
  );
  const rules = ML_POLICY_RULES.map((rule) =>
    [
      `### ${rule.id}\n`,
      `- **Applies to:** ${appliesTo(rule, reference)}.`,
      `- **Checks:** ${prose(rule.description)}.`,
      `- **Why:** ${prose(rule.reason)}.`,
      `- **Fix:** ${prose(rule.fix)}.`,
      '',
    ].join('\n'),
  );
  const limitRows = Object.entries(CLOUDFORMATION_TEMPLATE_LIMITS).map(
    ([what, limit]) => `| ${what} | ${limit.toLocaleString('en-US')} |`,
  );
  const packs = nagPacks(new App()).map((plugin) => `- \`${plugin.name}\``);
  return [
    '# Guardrails\n',
    '<!-- Generated from the rules by `npm run docs:guardrails` (lib/tools/docs/guardrails-reference.ts); do not edit. -->\n',
    'The checks every `cdk synth` of the platform runs. A violation fails synth, naming the rule, ' +
      'the resource and the fix: nothing that breaks them reaches a deploy.\n',
    `## ML policy pack (\`${pack.name}\`)\n`,
    '`MlPolicyPack` (constructs/policy/), a CDK validation plugin on every environment stage. ' +
      'A deliberate exception is acknowledged on the resource, with a reason (an empty reason does ' +
      `not count): \`Validations.of(resource).acknowledge({ id: '${pack.name}::<RULE>', reason: '...' })\`.\n`,
    '| rule | applies to | what it checks |',
    '| --- | --- | --- |',
    ...summary,
    '',
    ...rules,
    `## CloudFormation template limits (\`${limits.ruleIds.join(', ')}\`)\n`,
    '`TemplateLimits`, on every stack of every environment and on the delivery stacks: a template ' +
      "over one of CloudFormation's quotas fails synth instead of the deploy.\n",
    '| figure of one template | limit |',
    '| --- | --- |',
    ...limitRows,
    '',
    '## Compliance packs (cdk-nag)\n',
    'These cdk-nag packs run on the whole app at every synth (lib/platform/compliance/nag-packs.ts). The ' +
      "platform's acknowledgements of their findings are made in lib/platform/compliance/, each on one " +
      'resource with its reason, never by the constructs.\n',
    ...packs,
    '',
  ].join('\n');
}

/** Plain text as Markdown: `<account>` would be read as an HTML tag and `*` as emphasis. */
function prose(text: string): string {
  return text.replace(/</g, '&lt;').replace(/\*/g, '\\*');
}
