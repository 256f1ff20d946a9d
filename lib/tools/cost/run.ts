import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import {
  EMULATED_ENVIRONMENTS,
  type EnvironmentConfig,
  type MlEnvConfig,
  platformConfig,
} from '../../../config';
import { cdkJsonContext } from '../../../config/cdk-json-context';
import { synthesizePlatform } from '../../platform/app/synthesize';
import { readAssembly } from '../parity/run';
import { environmentTemplates } from '../parity/templates';
import { unpricedInstanceTypes } from './configured-instance-types';
import { type EnvironmentCost, estimateEnvironment } from './estimate';
import type { PriceTable } from '../pricing/price-table';
import { PRICE_TABLE } from './prices';
import { unservedModels, withServedPlatform } from './served-platform';

/** The estimate of one environment, as it is and as it would be serving every model. */
export interface EnvironmentCostReport {
  readonly environment: string;
  readonly region: string;
  /** Runs in the local emulator: it costs nothing; the figures are its stacks' cost on AWS. */
  readonly emulated: boolean;
  readonly estimate: EnvironmentCost;
  /** The configured models it serves no endpoint for (no pin). */
  readonly unservedModels: readonly string[];
  /** The estimate with every model served; absent when it serves every model already. */
  readonly ifEachModelServed?: EnvironmentCost;
}

export interface CostReport {
  readonly currency: string;
  readonly basis: string;
  readonly hoursPerMonth: number;
  readonly spotTrainingDiscount: PriceTable['spotTrainingDiscount'];
  readonly environments: readonly EnvironmentCostReport[];
  /** Every price missing from any estimate: the totals they touch are incomplete. */
  readonly missing: readonly string[];
}

export interface CostOptions {
  /** Only this environment. @default - every configured environment */
  readonly environment?: string;
  /** @default PRICE_TABLE (lib/tools/cost/prices.ts) */
  readonly table?: PriceTable;
  /**
   * The platform with every model served, already synthesized (see `withServedPlatform`).
   * @default - synthesized when an environment leaves a model unserved
   */
  readonly servedAssembly?: CloudAssembly;
}

/**
 * The cost estimate of the cloud assembly at `assemblyDir` (what `npx cdk synth` wrote), or of
 * every environment synthesized now; no AWS call is made.
 */
export function runCost(options: CostOptions & { readonly assemblyDir?: string } = {}): CostReport {
  // An unknown environment is refused before minutes of synthesis, not after.
  if (!options.assemblyDir)
    chosenEnvironments(platformConfig({ context: cdkJsonContext() }), options.environment);
  const outdir = options.assemblyDir ? undefined : mkdtempSync(join(tmpdir(), 'mlenv-cost-'));
  try {
    const { assembly, config } = options.assemblyDir
      ? readAssembly(options.assemblyDir)
      : synthesizePlatform({ outdir });
    return costReport(assembly, config, options);
  } finally {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  }
}

/** Estimates each environment of an assembly, and what serving every model would make of it. */
export function costReport(
  assembly: CloudAssembly,
  config: MlEnvConfig,
  options: CostOptions = {},
): CostReport {
  const table = options.table ?? PRICE_TABLE;
  const chosen = chosenEnvironments(config, options.environment);
  const estimates = estimatesOf(assembly, config, chosen, table);
  const needServed = chosen.some((env) => unservedModels(config, env.name).length > 0);
  const served = !needServed
    ? undefined
    : options.servedAssembly
      ? estimatesOf(options.servedAssembly, config, chosen, table)
      : withServedPlatform(config, (servedAssembly) => estimatesOf(servedAssembly, config, chosen, table));

  const environments = chosen.map((env, i) => {
    const unserved = unservedModels(config, env.name);
    return {
      environment: env.name,
      region: env.region,
      emulated: EMULATED_ENVIRONMENTS.includes(env.name),
      estimate: estimates[i],
      unservedModels: unserved,
      ...(unserved.length > 0 && served ? { ifEachModelServed: served[i] } : {}),
    };
  });
  return {
    currency: table.currency,
    basis: table.basis,
    hoursPerMonth: table.hoursPerMonth,
    spotTrainingDiscount: table.spotTrainingDiscount,
    environments,
    missing: [
      ...new Set(
        chosen.flatMap((env, i) => {
          const e = environments[i];
          return missingOfEnvironment(config, env, table, [
            e.estimate,
            ...(e.ifEachModelServed ? [e.ifEachModelServed] : []),
          ]);
        }),
      ),
    ],
  };
}

/**
 * An environment's missing prices: first one line per configured instance type the table lacks
 * (naming environment, models, field, type and region), in place of the same sentence repeated
 * for each job and endpoint the type runs; then every other missing price of its estimates.
 */
function missingOfEnvironment(
  config: MlEnvConfig,
  env: EnvironmentConfig,
  table: PriceTable,
  estimates: readonly EnvironmentCost[],
): string[] {
  const unpriced = unpricedInstanceTypes(config.models, env, table);
  // Only the jobs of the pipelines and the endpoints run on the configured types (a drift check's
  // instance type is its own), so only their sentences are replaced.
  const covered = new Set(
    estimates.flatMap((estimate) =>
      [
        ...estimate.trainingRuns.flatMap((run) => run.jobs),
        ...estimate.idle.filter((line) => line.item.startsWith('SageMaker endpoint instances ')),
      ].flatMap((line) =>
        line.missing && unpriced.some((u) => line.missing!.endsWith(u.missing)) ? [line.missing] : [],
      ),
    ),
  );
  return [
    ...unpriced.map((u) => u.line),
    ...estimates.flatMap((estimate) => estimate.missing.filter((m) => !covered.has(m))),
  ];
}

function chosenEnvironments(config: MlEnvConfig, name?: string): readonly EnvironmentConfig[] {
  if (name === undefined) return config.environments;
  const env = config.environments.find((e) => e.name === name);
  if (!env) {
    throw new Error(
      `no environment named '${name}' (environments: ${config.environments.map((e) => e.name).join(', ')})`,
    );
  }
  return [env];
}

function estimatesOf(
  assembly: CloudAssembly,
  config: MlEnvConfig,
  chosen: readonly EnvironmentConfig[],
  table: PriceTable,
): EnvironmentCost[] {
  const all = environmentTemplates(assembly, config);
  return chosen.map((env) => {
    const { stacks } = all.find((t) => t.environment.name === env.name)!;
    return estimateEnvironment({ name: env.name, region: env.region, stacks }, table);
  });
}
