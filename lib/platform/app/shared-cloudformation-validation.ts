import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';

/**
 * aws-cdk-lib's CloudFormation validation with one engine per process (as aws-cdk-lib's built-in
 * validation has), for processes that synthesize many apps (the tests). The engine takes about 2 s
 * to start and restarts whenever it is asked about a resource type it was not started with; this
 * one starts it again only when a template brings a type the process has not seen, and then with
 * every type seen so far, so that later apps' templates reuse it.
 */
export class SharedCloudFormationValidation implements IPolicyValidationPlugin {
  public readonly name = CloudFormationValidatePlugin.PLUGIN_NAME;
  private static plugin: CloudFormationValidatePlugin | undefined;
  /** The resource types the engine was last started with (none: it starts on the first templates). */
  private static readonly engineTypes = new Set<string>();

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const shared = SharedCloudFormationValidation;
    const types = resourceTypes(context.stackTemplates.map((s) => s.templatePath));
    const plugin = (shared.plugin ??= new CloudFormationValidatePlugin());
    if (shared.engineTypes.size > 0 && [...types].some((t) => !shared.engineTypes.has(t))) {
      startEngine(plugin, [...shared.engineTypes, ...types]);
    }
    for (const type of types) shared.engineTypes.add(type);
    return plugin.validate(context);
  }
}

function resourceTypes(templatePaths: readonly string[]): Set<string> {
  const types = new Set<string>();
  for (const path of templatePaths) {
    const template = JSON.parse(readFileSync(path, 'utf8')) as {
      Resources?: Record<string, { Type: string }>;
    };
    for (const { Type } of Object.values(template.Resources ?? {})) types.add(Type);
  }
  return types;
}

/** Starts the plugin's engine on `types` by validating a template with one resource of each. */
function startEngine(plugin: CloudFormationValidatePlugin, types: readonly string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-validation-engine-'));
  try {
    const templatePath = join(dir, 'types.template.json');
    writeFileSync(
      templatePath,
      JSON.stringify({ Resources: Object.fromEntries(types.map((Type, i) => [`R${i}`, { Type }])) }),
    );
    // Its findings (resources without properties) are of no interest: only the engine it leaves.
    plugin.validate({
      stackTemplates: [{ stackConstructPath: 'Types', templatePath }],
      templatePaths: [templatePath],
    } as unknown as IPolicyValidationContext);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
