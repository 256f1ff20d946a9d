import type { z } from 'zod';
import type { DeliveryConfig } from './delivery';
import { type DeploymentPin, pinProblems, readDeploymentPins, shadowPinProblems } from './deployments';
import { modelResourceName } from './derived-names';
import { configSchema, type EnvironmentSettings, type ModelConfig } from './schema';

/** One environment, validated, with the names derived from it. */
export interface EnvironmentConfig extends EnvironmentSettings {
  /** The environment's name, for example `staging`. */
  readonly name: string;
  /** The id of its CDK stage, for example `Staging` (deploy with `npx cdk deploy 'Staging/*'`). */
  readonly stageId: string;
  /** The model packages it serves, by model (from `deployments/<name>.json`); unpinned models are not served. */
  readonly deployments: Readonly<Record<string, DeploymentPin>>;
  /**
   * The environment whose promotion role may read its registry and model artifacts: the next one
   * of the promotion order, when it is in another account (its own account's policies decide
   * otherwise); none for the last one. Only that role: not its account, not a later environment.
   */
  readonly promotionReaders: ReadonlyArray<Pick<EnvironmentConfig, 'name' | 'account' | 'region'>>;
  /**
   * The environment models are promoted from into this one: the one before it in the promotion
   * order (none for the first). A promotion never skips an environment: each registry is read
   * only by the next environment's promotion role.
   */
  readonly promotionSources: ReadonlyArray<Pick<EnvironmentConfig, 'name' | 'account' | 'region'>>;
}

/** The validated configuration of every environment. */
export interface MlEnvConfig {
  readonly project: string;
  /** In the order the configuration lists them. */
  readonly environments: readonly EnvironmentConfig[];
  /** The environment the others are compared against by the parity check. */
  readonly reference: string;
  /** The models every environment trains (and later serves). */
  readonly models: readonly ModelConfig[];
  /** The environments models are promoted through, in order. */
  readonly promotion: readonly string[];
  /** The delivery pipeline's settings; absent when the configuration has no `delivery` section. */
  readonly delivery?: DeliveryConfig;
}

/** An invalid configuration: `problems` lists every problem, each naming environment and field. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(
      `Invalid mlenv configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /**
   * Values of CDK context (`app.node.getAllContext()`); keys `mlenv:account:<env>` replace that
   * environment's account, so that real account ids need not be committed.
   * @default - no overrides
   */
  readonly context?: Record<string, unknown>;
  /**
   * Directory of the deployment pins (`<env>.json` each).
   * @default - no pins: no environment serves a model
   */
  readonly deploymentsDir?: string;
}

const ACCOUNT_CONTEXT_PREFIX = 'mlenv:account:';
/** Context keys that replace fields of the delivery section (real ids need not be committed). */
export const DELIVERY_CONTEXT = {
  account: 'mlenv:delivery:account',
  connectionArn: 'mlenv:delivery:connectionArn',
};

/**
 * Context `mlenv:pins:<env>=<file>` replaces `deployments/<env>.json` with another pins file, for
 * the environments of `PIN_FILE_OVERRIDABLE` only: `mlenv local serve` pins the package it just
 * trained in the emulator that way. Every other environment serves what git says it serves.
 */
export const PIN_FILE_CONTEXT_PREFIX = 'mlenv:pins:';
export const PIN_FILE_OVERRIDABLE: readonly string[] = ['local'];

function pinFileOverride(context: Record<string, unknown>, environment: string): string | undefined {
  const value = context[`${PIN_FILE_CONTEXT_PREFIX}${environment}`];
  return value === undefined ? undefined : String(value);
}

/** Validates the configuration and returns it typed; throws one `ConfigError` listing every problem. */
export function loadConfig(input: unknown, options: LoadConfigOptions = {}): MlEnvConfig {
  const { value, problems } = applyAccountOverrides(input, options.context ?? {});
  const parsed = configSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(describeIssue));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const modelNames = parsed.data.models.map((m) => m.name);
  const environments = Object.entries(parsed.data.environments).map(([name, settings]) => {
    const replacement = pinFileOverride(options.context ?? {}, name);
    const { pins, problems: readProblems } =
      options.deploymentsDir || replacement
        ? readDeploymentPins(options.deploymentsDir ?? '', name, modelNames, replacement)
        : { pins: {}, problems: [] };
    problems.push(
      ...readProblems,
      // Pins of unknown models are reported above.
      ...pinProblems(Object.fromEntries(Object.entries(pins).filter(([m]) => modelNames.includes(m))), {
        name,
        account: settings.account,
        region: settings.region,
        groupOf: (model) =>
          modelResourceName({ project: parsed.data.project, environment: { ...settings, name } }, model),
      }),
      ...shadowPinProblems(
        pins,
        { name, servingKind: settings.serving.kind },
        Object.fromEntries(parsed.data.models.map((m) => [m.name, m.serving.mode])),
      ),
    );
    const { promotion } = parsed.data;
    const position = promotion.indexOf(name);
    const next = position < 0 ? [] : promotion.slice(position + 1, position + 2);
    const previous = position < 1 ? [] : promotion.slice(position - 1, position);
    const named = (n: string) => ({
      name: n,
      account: parsed.data.environments[n].account,
      region: parsed.data.environments[n].region,
    });
    return {
      ...settings,
      name,
      stageId: name.charAt(0).toUpperCase() + name.slice(1),
      deployments: pins,
      promotionReaders: next.map(named).filter((reader) => reader.account !== settings.account),
      promotionSources: previous.map(named),
    };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const { delivery } = parsed.data;
  return {
    project: parsed.data.project,
    reference: 'prod',
    models: parsed.data.models,
    promotion: parsed.data.promotion,
    environments,
    ...(delivery ? { delivery: { ...delivery, order: delivery.order ?? parsed.data.promotion } } : {}),
  };
}

function applyAccountOverrides(
  input: unknown,
  context: Record<string, unknown>,
): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  const envs = (input as { environments?: unknown } | undefined)?.environments;
  if (typeof envs !== 'object' || envs === null) return { value: input, problems };

  const overridden: Record<string, unknown> = { ...(envs as Record<string, unknown>) };
  let delivery = (input as { delivery?: Record<string, unknown> }).delivery;
  for (const [field, key] of Object.entries(DELIVERY_CONTEXT)) {
    if (context[key] === undefined) continue;
    if (typeof delivery !== 'object' || delivery === null) {
      problems.push(`context ${key}: the configuration has no delivery section`);
      continue;
    }
    delivery =
      field === 'account'
        ? { ...delivery, account: String(context[key]) }
        : { ...delivery, source: { ...(delivery.source as object), connectionArn: String(context[key]) } };
  }
  for (const [key, account] of Object.entries(context)) {
    if (key.startsWith(PIN_FILE_CONTEXT_PREFIX)) {
      const name = key.slice(PIN_FILE_CONTEXT_PREFIX.length);
      if (!PIN_FILE_OVERRIDABLE.includes(name)) {
        problems.push(
          `context ${key}: only ${PIN_FILE_OVERRIDABLE.join(', ')} may take its pins from another file; ${name} serves what deployments/${name}.json says`,
        );
      }
      continue;
    }
    if (!key.startsWith(ACCOUNT_CONTEXT_PREFIX)) continue;
    const name = key.slice(ACCOUNT_CONTEXT_PREFIX.length);
    if (!(name in overridden)) {
      problems.push(`context ${key}: there is no environment named '${name}'`);
      continue;
    }
    overridden[name] = { ...(overridden[name] as object), account: String(account) };
  }
  const value = { ...(input as object), environments: overridden, ...(delivery ? { delivery } : {}) };
  return { value, problems };
}

/** Turns a zod issue into lines of the form `prod.removalPolicy: must be 'retain' ...`. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path[0] === 'environments' ? issue.path.slice(1) : issue.path;
  const where = path.map(String).join('.') || '(config)';
  if (issue.code === 'unrecognized_keys') {
    const what = path.length === 1 ? 'unknown knob' : 'unknown field';
    return issue.keys.map((key) => `${[...path, key].join('.')}: ${what}`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [`${where}: is required`];
  }
  return [`${where}: ${issue.message}`];
}
