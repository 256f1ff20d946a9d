import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { platformConfig } from '../../config';
import { ML_POLICY_RULES, MlPolicyPack } from '../../constructs';
import { nagPacks } from '../../lib/platform/compliance/nag-packs';
import { appliesTo, guardrailsReference } from '../../lib/tools/docs/guardrails-reference';

const REFERENCE = join(__dirname, '..', '..', 'docs', 'reference', 'guardrails.md');

test('docs/reference/guardrails.md is what the rules say now', () => {
  const written = readFileSync(REFERENCE, 'utf8');
  if (written !== guardrailsReference()) {
    throw new Error(
      'docs/reference/guardrails.md differs from the rules: regenerate it with `npm run docs:guardrails` and commit it',
    );
  }
});

test('every ML policy rule says what it checks, why, and how to comply', () => {
  for (const rule of ML_POLICY_RULES) {
    expect([
      rule.id,
      rule.description.trim() !== '',
      rule.reason.trim() !== '',
      rule.fix.trim() !== '',
    ]).toEqual([rule.id, true, true, true]);
  }
});

test('a rule the pack applies only in production is documented as applying to the reference environment only', () => {
  // The pack's own answer, not the flag the reference prints: the rules a non-production pack runs.
  const everywhere = new Set(new MlPolicyPack({ production: false }).ruleIds);
  const { reference } = platformConfig();
  const doc = guardrailsReference();
  for (const rule of ML_POLICY_RULES) {
    const where = everywhere.has(rule.id) ? 'every environment' : `${reference} only`;
    expect(appliesTo(rule, reference)).toContain(where);
    expect(doc).toContain(`### ${rule.id}\n\n- **Applies to:** ${appliesTo(rule, reference)}.`);
  }
});

test('the reference names every compliance pack the platform runs', () => {
  const doc = guardrailsReference();
  for (const plugin of nagPacks(new App())) expect(doc).toContain(`\`${plugin.name}\``);
});
