import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';

/**
 * Runs a check on the stacks that sit directly in the app (the Delivery stack), as a stage runs
 * its checks on its own stacks: an app-level plugin would otherwise see every stage's templates
 * too, which their stages already check with their own settings.
 */
export class AppStackChecks implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly ruleIds?: string[];

  constructor(private readonly plugin: IPolicyValidationPlugin) {
    this.name = plugin.name;
    this.ruleIds = plugin.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const stackTemplates = context.stackTemplates.filter((s) => !s.stackConstructPath.includes('/'));
    if (stackTemplates.length === 0) return { success: true, violations: [] };
    return this.plugin.validate({
      templatePaths: stackTemplates.map((s) => s.templatePath),
      stackTemplates,
      appConstruct: context.appConstruct,
    });
  }
}
