import { type DeployTarget, deployedNames, pseudoParameters } from './deployed-names';
import { asObject, type JsonObject } from './json-values';

/** A synthesized CloudFormation template, as far as reading it needs. */
export interface SynthesizedTemplate {
  readonly Resources?: Record<string, { Type: string; Properties?: JsonObject; [key: string]: unknown }>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  readonly [key: string]: unknown;
}

/** A stack of a cloud assembly and where it deploys. */
export interface DeployableStack extends DeployTarget {
  /** The stack's path in the assembly (`Staging/Training`), for messages. */
  readonly id: string;
  readonly template: SynthesizedTemplate;
}

/**
 * The physical id a deploy gave resource `logicalId` of `stack` (what `ListStackResources`
 * reports), or undefined where it is not known: then the name is a stand-in.
 */
export type PhysicalIds = (stack: DeployableStack, logicalId: string) => string | undefined;

/** How a token that cannot be resolved is rendered (or an error thrown); `stack` when known. */
export type TokenRenderer = (token: JsonObject, stack?: DeployableStack) => unknown;

/** Throws on a token that cannot be resolved: for readers that must not guess. */
export const REFUSE_UNRESOLVED: TokenRenderer = (token, stack) => {
  throw new Error(`Cannot resolve ${JSON.stringify(token)}${stack ? ` in ${stack.id}` : ''}`);
};

/**
 * The one reader of synthesized templates: CloudFormation intrinsics (`Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`, `Fn::ImportValue`, `Fn::Select`, `Fn::Split`) and state machine
 * definitions (a `DefinitionString` that is a `Fn::Join` of text and tokens).
 *
 * `TemplateReader.ofDeployment(stacks)` resolves tokens the way a deploy of those stacks would,
 * with stand-in names where CloudFormation generates them (see `deployedNames`), or the names a
 * real deploy gave them (`physicalIds`);
 * `TemplateReader.withoutDeployment(render)` only joins text and renders every other token with
 * `render` (the policy pack and the parity check read templates that way).
 */
export class TemplateReader {
  /**
   * Resolves like a deploy of `stacks`; `render` says what becomes of anything else, and
   * `physicalIds` what a real deploy named the resources whose names CloudFormation generates.
   */
  public static ofDeployment(
    stacks: readonly DeployableStack[],
    render: TokenRenderer = REFUSE_UNRESOLVED,
    physicalIds?: PhysicalIds,
  ): TemplateReader {
    return new TemplateReader(stacks, render, physicalIds);
  }

  /** Resolves nothing but `Fn::Join`; every other token becomes `render(token)`. */
  public static withoutDeployment(render: TokenRenderer): TemplateReader {
    return new TemplateReader(undefined, render);
  }

  private exports?: Map<string, { value: unknown; stack: DeployableStack }>;

  private constructor(
    public readonly stacks: readonly DeployableStack[] | undefined,
    private readonly render: TokenRenderer,
    private readonly physicalIds?: PhysicalIds,
  ) {}

  /** `value` of `stack`'s template with its tokens resolved (or rendered). */
  public resolve(value: unknown, stack?: DeployableStack): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, stack));
    const object = asObject(value);
    if (object === undefined) return value;
    const entries = Object.entries(object);
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
      return this.intrinsic(entries[0][0], entries[0][1], object, stack);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item, stack)]));
  }

  /**
   * The parsed definition of an `AWS::StepFunctions::StateMachine`: its `Definition` object, or
   * its `DefinitionString` with tokens resolved (or rendered). Undefined when it is not JSON.
   */
  public stateMachineDefinition(properties: JsonObject, stack?: DeployableStack): JsonObject | undefined {
    const given = asObject(properties.Definition);
    if (given) return given;
    const text = this.resolve(properties.DefinitionString, stack);
    if (typeof text !== 'string') return undefined;
    try {
      return asObject(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  private intrinsic(fn: string, argument: unknown, token: JsonObject, stack?: DeployableStack): unknown {
    if (fn === 'Fn::Join' && Array.isArray(argument)) {
      const parts = this.resolve(argument[1], stack);
      if (!Array.isArray(parts)) return this.render(token, stack);
      return parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(argument[0]);
    }
    if (!this.stacks || !stack) return this.render(token, stack);
    switch (fn) {
      case 'Ref':
        return this.ref(String(argument), token, stack);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return this.getAtt(String(logicalId), String(attribute), token, stack);
      }
      case 'Fn::ImportValue':
        return this.importValue(String(this.resolve(argument, stack)), token, stack);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const items = this.resolve(list, stack);
        return Array.isArray(items) ? items[Number(this.resolve(index, stack))] : this.render(token, stack);
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(text, stack)).split(separator);
      }
      case 'Fn::Sub':
        return this.sub(argument, stack);
      default:
        return this.render(token, stack);
    }
  }

  private ref(logicalId: string, token: JsonObject, stack: DeployableStack): unknown {
    const pseudo = pseudoParameters(stack);
    if (logicalId in pseudo) return pseudo[logicalId];
    const resource = stack.template.Resources?.[logicalId];
    if (!resource) return this.render(token, stack); // a template parameter, or a typo
    return this.names(logicalId, stack).ref;
  }

  private getAtt(logicalId: string, attribute: string, token: JsonObject, stack: DeployableStack): unknown {
    if (!stack.template.Resources?.[logicalId]) return this.render(token, stack);
    // Attributes without a documented shape (a security group's GroupId, ...) get a stand-in.
    return this.names(logicalId, stack).attribute(attribute) ?? `${logicalId}.${attribute}`;
  }

  private names(logicalId: string, stack: DeployableStack) {
    const resource = stack.template.Resources![logicalId];
    return deployedNames(
      resource.Type,
      logicalId,
      stack,
      (path) => {
        let value: unknown = resource.Properties;
        for (const key of path.split('.')) value = asObject(value)?.[key];
        return this.resolve(value, stack);
      },
      this.physicalIds?.(stack, logicalId),
    );
  }

  private importValue(name: string, token: JsonObject, stack: DeployableStack): unknown {
    if (!this.exports) {
      this.exports = new Map();
      for (const exporter of this.stacks ?? []) {
        for (const output of Object.values(exporter.template.Outputs ?? {})) {
          if (output.Export === undefined) continue;
          const exported = this.resolve(output.Export.Name, exporter);
          this.exports.set(String(exported), { value: output.Value, stack: exporter });
        }
      }
    }
    const found = this.exports.get(name);
    return found ? this.resolve(found.value, found.stack) : this.render(token, stack);
  }

  private sub(argument: unknown, stack: DeployableStack): string {
    const [text, variables] = Array.isArray(argument)
      ? (argument as [string, JsonObject])
      : [String(argument), {} as JsonObject];
    return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`; // ${!Literal} is written as ${Literal}
      if (name in variables) return String(this.resolve(variables[name], stack));
      const [logicalId, attribute] = name.split('.');
      const token = attribute ? { 'Fn::GetAtt': [logicalId, attribute] } : { Ref: logicalId };
      return String(this.resolve(token, stack));
    });
  }
}
