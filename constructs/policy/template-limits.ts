import { readFileSync, statSync } from 'node:fs';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';

/** CloudFormation's documented quotas on one template (AWS CloudFormation User Guide, "Quotas"). */
export const CLOUDFORMATION_TEMPLATE_LIMITS = {
  /** Resources declared in a template. */
  resources: 500,
  /** Bytes of a template uploaded through S3 (as the CDK deploys every template). */
  bytes: 1_048_576,
  /** Outputs declared in a template. */
  outputs: 200,
  /** Parameters declared in a template. */
  parameters: 200,
  /** Mappings declared in a template. */
  mappings: 200,
} as const;

/** One template's figures against CloudFormation's limits. */
export interface TemplateFigures {
  readonly templatePath: string;
  readonly resources: number;
  readonly bytes: number;
  readonly outputs: number;
  readonly parameters: number;
  readonly mappings: number;
}

/** The figures of a synthesized template file. */
export function templateFigures(templatePath: string): TemplateFigures {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as Record<string, object | undefined>;
  const count = (section: string) => Object.keys(template[section] ?? {}).length;
  return {
    templatePath,
    resources: count('Resources'),
    bytes: statSync(templatePath).size,
    outputs: count('Outputs'),
    parameters: count('Parameters'),
    mappings: count('Mappings'),
  };
}

/** Properties of `TemplateLimits`. */
export interface TemplateLimitsProps {
  /**
   * The share of each limit a template may use (0 to 1), to keep room for growth.
   * @default 1 - CloudFormation's limits themselves
   */
  readonly share?: number;
}

/**
 * A CDK validation plugin that fails synth when a template exceeds CloudFormation's limits
 * (resources, size, outputs, parameters, mappings), naming the stack, the figure and the limit,
 * instead of writing a template that would fail only at deploy.
 *
 * ```ts
 * Validations.of(app).addPlugins(new TemplateLimits());
 * ```
 */
export class TemplateLimits implements IPolicyValidationPlugin {
  public readonly name = 'mlenv-template-limits';
  public readonly ruleIds = ['MLENV-TEMPLATE-LIMITS'];
  private readonly share: number;

  constructor(props: TemplateLimitsProps = {}) {
    const share = props.share ?? 1;
    if (!(share > 0 && share <= 1)) throw new Error(`TemplateLimits: share must be in (0, 1], not ${share}`);
    this.share = share;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    for (const stack of context.stackTemplates) {
      const figures = templateFigures(stack.templatePath);
      const over = (
        Object.keys(CLOUDFORMATION_TEMPLATE_LIMITS) as Array<keyof typeof CLOUDFORMATION_TEMPLATE_LIMITS>
      )
        .map((what) => ({
          what,
          figure: figures[what],
          limit: Math.floor(CLOUDFORMATION_TEMPLATE_LIMITS[what] * this.share),
        }))
        .filter(({ figure, limit }) => figure > limit);
      if (over.length === 0) continue;
      const stackName = stack.stackConstructPath;
      violations.push({
        ruleName: this.ruleIds[0],
        description: over
          .map(({ what, figure, limit }) => {
            const bound =
              this.share < 1
                ? `${limit} (${Math.round(this.share * 100)} % of CloudFormation's limit of ${CLOUDFORMATION_TEMPLATE_LIMITS[what]})`
                : `CloudFormation's limit of ${limit}`;
            return `stack ${stackName} has ${figure} ${what}, over ${bound}`;
          })
          .join('; '),
        fix: 'Move resources into another stack (mlenv keeps each model in its own stack), or remove some',
        severity: 'fatal',
        violatingResources: [
          { resourceLogicalId: '(template)', templatePath: stack.templatePath, locations: [] },
        ],
      });
    }
    return { success: violations.length === 0, violations };
  }
}
