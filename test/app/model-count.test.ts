import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { environments } from '../../config/environments';
import { withModelCount } from '../../config/model-count';
import { CLOUDFORMATION_TEMPLATE_LIMITS, templateFigures, TemplateLimits } from '../../constructs';
import { synthesizePlatform } from '../../lib/platform/app/synthesize';
import { checkParity } from '../../lib/tools/parity/check';
import { deploymentsDir, modelPin } from '../support/pins';
import { TEST_CONTEXT } from '../support/platform';

/**
 * The platform at 50 models, each served in every environment (its largest shape): every template
 * within 80 % of CloudFormation's limits, the policy pack and the template limits passing at synth,
 * and parity holding.
 */
const MODELS = 50;
const input = withModelCount(environments, MODELS);
const names = input.models.map((m) => m.name);
const pins = Object.fromEntries(
  Object.keys(input.environments).map((env) => [
    env,
    Object.fromEntries(names.map((m) => [m, modelPin(env, m)])),
  ]),
);
const config = loadConfig(input, { deploymentsDir: deploymentsDir(pins) });
const outdir = mkdtempSync(join(tmpdir(), 'mlenv-50-models-'));
let platform: ReturnType<typeof synthesizePlatform>;

beforeAll(() => {
  platform = synthesizePlatform({ outdir, config, context: TEST_CONTEXT });
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test(`with ${MODELS} models served everywhere, every template stays within 80 % of each of CloudFormation's limits`, () => {
  const over = platform.assembly.stacksRecursively.flatMap((stack) => {
    const figures = templateFigures(stack.templateFullPath);
    return (Object.keys(CLOUDFORMATION_TEMPLATE_LIMITS) as Array<keyof typeof CLOUDFORMATION_TEMPLATE_LIMITS>)
      .filter((what) => figures[what] > 0.8 * CLOUDFORMATION_TEMPLATE_LIMITS[what])
      .map(
        (what) =>
          `${stack.hierarchicalId}: ${figures[what]} ${what} (limit ${CLOUDFORMATION_TEMPLATE_LIMITS[what]})`,
      );
  });
  expect(over).toEqual([]);
  // Every model of every environment was synthesized (a stack each).
  expect(config.models).toHaveLength(MODELS);
  for (const env of config.environments) {
    const stacks = platform.assembly.stacksRecursively.filter((s) =>
      s.hierarchicalId.startsWith(`${env.stageId}/`),
    );
    const withEndpoint = stacks.filter((s) =>
      Object.values((s.template as { Resources: Record<string, { Type: string }> }).Resources).some(
        (r) => r.Type === 'AWS::SageMaker::Endpoint',
      ),
    );
    expect(withEndpoint).toHaveLength(MODELS);
  }
});

/**
 * A policy document as IAM measures it (JSON without whitespace), with the template's intrinsics
 * replaced by values at least as long as a deploy gives them.
 */
function iamSize(document: unknown): number {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      if ('Ref' in v) return 'x'.repeat(64);
      if ('Fn::GetAtt' in v || 'Fn::ImportValue' in v) return 'x'.repeat(128);
      if ('Fn::Join' in v) {
        const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
        return parts.map((p) => String(resolve(p))).join(separator);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    }
    return value;
  };
  return JSON.stringify(resolve(document)).length;
}

test(`with ${MODELS} models, every IAM policy stays within IAM's size limits`, () => {
  // IAM quotas: inline policies 10,240 characters per role (together), a managed policy 6,144.
  const over = platform.assembly.stacksRecursively.flatMap((stack) =>
    Object.entries(
      (stack.template as { Resources: Record<string, { Type: string; Properties: any }> }).Resources,
    )
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .map(([id, r]) => ({
        id: `${stack.hierarchicalId}/${id}`,
        type: r.Type,
        size: iamSize(r.Properties.PolicyDocument),
      }))
      .filter((p) => p.size > (p.type === 'AWS::IAM::ManagedPolicy' ? 6144 : 10240)),
  );
  expect(over).toEqual([]);
});

test(`with ${MODELS} models, parity holds`, () => {
  expect(checkParity(platform.assembly, config, { explain: false }).violations).toEqual([]);
});

test("a template over one of CloudFormation's limits fails synth, naming the stack, the figure and the limit", () => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'mlenv-limits-')) });
  const stack = new Stack(app, 'Crowded');
  // Eleven parameters of 100 KB each: a template over 1 MB with few resources (CDK counts resources itself).
  for (let i = 0; i < 11; i++) {
    new CfnResource(stack, `Parameter${i}`, {
      type: 'AWS::SSM::Parameter',
      properties: { Type: 'String', Value: 'x'.repeat(100_000) },
    });
  }
  Validations.of(app).addPlugins(new TemplateLimits());
  expect(() => app.synth()).toThrow(
    new RegExp(
      `stack Crowded has \\d+ bytes, over CloudFormation's limit of ${CLOUDFORMATION_TEMPLATE_LIMITS.bytes}`,
    ),
  );
});
