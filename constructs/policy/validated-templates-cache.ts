import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyValidationStack,
  PolicyViolation,
} from 'aws-cdk-lib';

/** Properties of `ValidatedTemplatesCache`. */
export interface ValidatedTemplatesCacheProps {
  /**
   * The plugin to run. Its findings must depend only on a template's content, account and region
   * (as aws-cdk-lib's `CloudFormationValidatePlugin`'s do), never on the construct tree: a plugin
   * that reads constructs (cdk-nag) cannot be cached by template.
   */
  readonly plugin: IPolicyValidationPlugin;
  /** Where to keep each template's findings (one small JSON file per template content). */
  readonly directory: string;
  /**
   * What else decides the findings besides the template: the plugin's rules version, for example.
   * A change of `key` validates every template again.
   */
  readonly key: string;
}

/** A template's findings as recorded: its paths left out, so that they apply wherever it is written. */
interface RecordedFindings {
  readonly success: boolean;
  readonly violations: PolicyViolation[];
}

/** Severities that fail a report (aws-cdk-lib: `error` unless a plugin says otherwise). */
const FAILING = new Set([undefined, 'error', 'fatal']);

/**
 * A CDK validation plugin that runs another plugin once per template content: the findings of
 * each template are recorded under the SHA-256 of its content, account, region and `key`, and an
 * identical template later gets the recorded findings instead of a second run. The report is the
 * one the plugin would give (same name, same findings, so acknowledgements and aws-cdk-lib's
 * handling of the plugin's severities apply unchanged), at the cost of reading the templates.
 *
 * ```ts
 * const app = new App({ builtinCloudFormationValidation: false });
 * Validations.of(app).addPlugins(new ValidatedTemplatesCache({
 *   plugin: new CloudFormationValidatePlugin(),
 *   directory: 'node_modules/.cache/cloudformation-validate',
 *   key: `aws-cdk-lib ${version}`,
 * }));
 * ```
 */
export class ValidatedTemplatesCache implements IPolicyValidationPlugin {
  private readonly plugin: IPolicyValidationPlugin;
  private readonly directory: string;
  private readonly key: string;

  constructor(props: ValidatedTemplatesCacheProps) {
    if (!props.directory) throw new Error('ValidatedTemplatesCache: directory must not be empty');
    this.plugin = props.plugin;
    this.directory = props.directory;
    this.key = props.key;
  }

  public get name(): string {
    return this.plugin.name;
  }

  public get ruleIds(): string[] | undefined {
    return this.plugin.ruleIds;
  }

  public get version(): string | undefined {
    return this.plugin.version;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const entries = new Map(context.stackTemplates.map((stack) => [stack, this.entry(stack)]));
    const recorded = new Map<PolicyValidationStack, RecordedFindings>();
    for (const [stack, entry] of entries) {
      const findings = readRecorded(entry);
      if (findings) recorded.set(stack, findings);
    }
    const unvalidated = context.stackTemplates.filter((stack) => !recorded.has(stack));
    const fresh: PolicyValidationPluginReport = unvalidated.length
      ? this.plugin.validate({
          ...context,
          stackTemplates: unvalidated,
          templatePaths: unvalidated.map((stack) => stack.templatePath),
        })
      : { success: true, violations: [] };
    this.record(fresh, unvalidated, entries);

    const replayed = [...recorded].flatMap(([stack, findings]) =>
      findings.violations.map((v) => located(v, stack)),
    );
    return {
      ...fresh,
      success: fresh.success && [...recorded.values()].every((f) => f.success),
      violations: [...fresh.violations, ...replayed],
    };
  }

  /** Records each template's share of a fresh report (nothing when a finding names no template). */
  private record(
    report: PolicyValidationPluginReport,
    stacks: PolicyValidationStack[],
    entries: Map<PolicyValidationStack, string>,
  ): void {
    const unplaced = report.violations.some((v) => v.violatingResources.some((r) => !r.templatePath));
    if (stacks.length === 0 || unplaced || (!report.success && report.violations.length === 0)) return;
    try {
      mkdirSync(this.directory, { recursive: true });
    } catch {
      return; // nowhere to record (read-only checkout): this synth was validated, the next one will be too
    }
    for (const stack of stacks) {
      const violations = report.violations
        .map((v) => ({
          ...v,
          violatingResources: v.violatingResources.filter((r) => r.templatePath === stack.templatePath),
        }))
        .filter((v) => v.violatingResources.length > 0)
        .map((v) => unlocated(v, stack));
      const findings: RecordedFindings = {
        success: !violations.some((v) => FAILING.has(v.severity)),
        violations,
      };
      // Write then rename: a synth running beside this one reads the entry whole or not at all.
      const entry = entries.get(stack)!;
      const partial = `${entry}.${process.pid}.partial`;
      try {
        writeFileSync(partial, JSON.stringify(findings));
        renameSync(partial, entry);
      } catch {
        return; // as above: an unrecorded template is validated again next time
      }
    }
  }

  private entry(stack: PolicyValidationStack): string {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([this.plugin.name, this.key, stack.accountId ?? '', stack.region ?? '']))
      .update('\0')
      .update(readFileSync(stack.templatePath))
      .digest('hex');
    return join(this.directory, `${fingerprint}.json`);
  }
}

function readRecorded(entry: string): RecordedFindings | undefined {
  try {
    return JSON.parse(readFileSync(entry, 'utf8')) as RecordedFindings;
  } catch {
    return undefined; // not recorded yet (or unreadable: validate again)
  }
}

/** A finding without the paths of the synth that found it. */
function unlocated(violation: PolicyViolation, stack: PolicyValidationStack): PolicyViolation {
  return {
    ...violation,
    violatingResources: violation.violatingResources.map(({ templatePath: _t, constructPath, ...rest }) => ({
      ...rest,
      ...(constructPath && constructPath !== stack.stackConstructPath ? { constructPath } : {}),
    })),
  };
}

/** A recorded finding placed in this synth's template (and stack, where it named the stack). */
function located(violation: PolicyViolation, stack: PolicyValidationStack): PolicyViolation {
  return {
    ...violation,
    violatingResources: violation.violatingResources.map((r) => ({
      ...r,
      templatePath: stack.templatePath,
      ...(r.resourceLogicalId || r.constructPath ? {} : { constructPath: stack.stackConstructPath }),
    })),
  };
}
