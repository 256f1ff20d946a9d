import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  App,
  CfnResource,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { ValidatedTemplatesCache } from '../../constructs';
import { platformApp, VALIDATED_TEMPLATES_DIRECTORY } from '../../lib/platform/app/platform-app';

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** A plugin that records the templates it is asked about and flags resources of type `Test::Bad`. */
class RecordingPlugin implements IPolicyValidationPlugin {
  public readonly name = 'recording';
  public readonly calls: string[][] = [];

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    this.calls.push(context.stackTemplates.map((s) => s.stackConstructPath));
    const violations = context.stackTemplates.flatMap((stack) => {
      const template = JSON.parse(readFileSync(stack.templatePath, 'utf8')) as {
        Resources: Record<string, { Type: string }>;
      };
      return Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'Test::Bad')
        .map(([id]) => ({
          ruleName: 'NO-BAD',
          description: 'bad resource',
          severity: 'error',
          violatingResources: [{ resourceLogicalId: id, templatePath: stack.templatePath, locations: [] }],
        }));
    });
    return { success: violations.length === 0, violations };
  }
}

/** An app of two stacks, `A` and `B`, with `bValue` in B's template, validated through `cache`. */
function synth(
  cache: ValidatedTemplatesCache,
  options: { bValue?: string; bad?: boolean; region?: string } = {},
) {
  const outdir = temp('mlenv-vtc-out-');
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  Validations.of(app).addPlugins(cache);
  const env = { account: '111111111111', region: options.region ?? 'eu-west-1' };
  new CfnResource(new Stack(app, 'A', { env }), 'R', { type: 'Test::Thing' });
  const b = new Stack(app, 'B', { env });
  new CfnResource(b, 'R', { type: 'Test::Thing', properties: { Value: options.bValue ?? 'one' } });
  if (options.bad) new CfnResource(b, 'Bad', { type: 'Test::Bad' });
  return Object.assign(() => app.synth(), { outdir });
}

describe('ValidatedTemplatesCache', () => {
  const fresh = () => {
    const plugin = new RecordingPlugin();
    const directory = temp('mlenv-vtc-cache-');
    return { plugin, directory, cache: new ValidatedTemplatesCache({ plugin, directory, key: 'rules 1' }) };
  };

  test('validates each template content once: unchanged templates are not validated again', () => {
    const { plugin, cache } = fresh();
    synth(cache)();
    synth(cache)();
    synth(cache, { bValue: 'two' })();
    expect(plugin.calls).toEqual([['A', 'B'], ['B']]);
  });

  test('a change of key, account or region validates again', () => {
    const { plugin, directory } = fresh();
    synth(new ValidatedTemplatesCache({ plugin, directory, key: 'rules 1' }))();
    synth(new ValidatedTemplatesCache({ plugin, directory, key: 'rules 2' }))();
    synth(new ValidatedTemplatesCache({ plugin, directory, key: 'rules 2' }), { region: 'us-east-1' })();
    expect(plugin.calls).toEqual([
      ['A', 'B'],
      ['A', 'B'],
      ['A', 'B'],
    ]);
  });

  test("a template with findings fails every synth, the recorded findings pointing at that synth's template", () => {
    const { plugin, cache } = fresh();
    const finding = /bad resource \(recording\)\s+B\/Bad \(Bad\)[\s\S]*recording::NO-BAD/;
    expect(synth(cache, { bad: true })).toThrow(finding);
    const second = synth(cache, { bad: true });
    expect(second).toThrow(finding);
    expect(plugin.calls).toEqual([['A', 'B']]); // the second verdict came from the record
    const report = JSON.parse(readFileSync(join(second.outdir, 'validation-report.json'), 'utf8')) as object;
    expect(JSON.stringify(report)).toContain('"templatePath":"B.template.json"');
  });

  test('where nothing can be recorded, every synth is validated and reported as usual', () => {
    const plugin = new RecordingPlugin();
    const notADirectory = join(temp('mlenv-vtc-cache-'), 'file');
    writeFileSync(notADirectory, '');
    const cache = new ValidatedTemplatesCache({ plugin, directory: notADirectory, key: 'k' });
    expect(synth(cache, { bad: true })).toThrow(/bad resource/);
    expect(synth(cache, { bad: true })).toThrow(/bad resource/);
    expect(plugin.calls).toEqual([
      ['A', 'B'],
      ['A', 'B'],
    ]);
  });

  test('a plugin that throws records nothing, so the next synth validates again', () => {
    const directory = temp('mlenv-vtc-cache-');
    const throwing: IPolicyValidationPlugin = {
      name: 'throwing',
      validate: () => {
        throw new Error('engine failed');
      },
    };
    expect(synth(new ValidatedTemplatesCache({ plugin: throwing, directory, key: 'k' }))).toThrow();
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe("the platform's apps", () => {
  test("run aws-cdk-lib's CloudFormation validation, its errors failing synth (also when recorded, and with CDK_VALIDATION=false)", () => {
    expect(process.env.CDK_VALIDATION).toBe('false'); // test/support/construct-test-apps.ts
    const invalid = () => {
      const app = platformApp({ outdir: temp('mlenv-cfn-validate-') });
      // An S3 bucket name with capitals and underscores breaks the resource schema's pattern.
      new CfnResource(
        new Stack(app, 'Invalid', { env: { account: '111111111111', region: 'eu-west-1' } }),
        'Bucket',
        {
          type: 'AWS::S3::Bucket',
          properties: { BucketName: 'Not_A_Valid_Bucket', NoSuchProperty: true },
        },
      );
      return () => app.synth();
    };
    expect(invalid()).toThrow(/CloudFormation Validate/);
    expect(invalid()).toThrow(/CloudFormation Validate/);
  });

  test('record validations under node_modules/.cache, which git ignores', () => {
    expect(relative(join(__dirname, '..', '..'), VALIDATED_TEMPLATES_DIRECTORY)).toMatch(
      /^node_modules\/\.cache\//,
    );
  });
});
