import { asList, asObject } from '../../../cfn/json-values';
import { count, costLine, type CostLine, unpricedLine } from '../pricing/cost-line';
import type { RegionPriceList } from '../pricing/price-table';
import { resourceNamedBy, type TemplateResource, textWithReferences } from '../pricing/template-resources';

/** The resource types this file prices. */
export const ENDPOINT_TYPES = [
  'AWS::SageMaker::EndpointConfig',
  'AWS::ApplicationAutoScaling::ScalableTarget',
] as const;

/** One production variant of an endpoint config, and the instances it keeps running while idle. */
interface Variant {
  readonly path: string;
  readonly instanceType?: string;
  /** `max(InitialInstanceCount, autoscaling MinCapacity)`. */
  readonly instances?: number;
  readonly serverless: boolean;
  /** An asynchronous variant: idle at zero instances, priced at its autoscaling maximum. */
  readonly async?: boolean;
  readonly note?: string;
  readonly problem?: string;
}

/**
 * What the endpoints cost while idle: each instance variant's instances all month (its initial
 * count, or its autoscaling minimum where that is larger), grouped by instance type; serverless
 * variants without provisioned concurrency cost 0. A shadow variant runs instances of its own, as
 * many as the production variant's (a shadow test doubles the endpoint's instance cost). An
 * asynchronous variant idles at zero instances: its hours are an upper bound, its autoscaling
 * maximum all month, and its line says so.
 */
export function endpointInstanceLines(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
  hoursPerMonth: number,
): CostLine[] {
  const minimums = autoscalingMinimums(resources);
  const variants = resources
    .filter((r) => r.type === 'AWS::SageMaker::EndpointConfig')
    .flatMap((config) => [
      ...asList(config.properties.ProductionVariants).map((v, i) => variantOf(config, v, i)),
      ...asList(config.properties.ShadowProductionVariants).map((v, i) => ({
        ...variantOf(config, v, i),
        note: `${config.path}: a shadow variant, on instances of its own`,
      })),
    ]);
  const lines: CostLine[] = [];

  for (const variant of variants.filter((v) => v.problem)) {
    lines.push(unpricedLine('SageMaker endpoint variant', variant.path, variant.problem!));
  }

  const serverless = variants.filter((v) => v.serverless && !v.problem);
  if (serverless.length > 0) {
    lines.push(
      costLine(
        {
          item: 'SageMaker serverless endpoints',
          resources: serverless.map((v) => v.path),
          quantity: serverless.length,
          quantityText: count(serverless.length, 'variant'),
        },
        prices.get('sagemakerServerlessIdle'),
      ),
    );
  }

  const instanceVariants = variants
    .filter((v) => !v.serverless && !v.problem)
    .map((v) =>
      v.async ? atMaximum(v, minimums.maximums.get(v.path)) : withMinimum(v, minimums.get(v.path)),
    );
  for (const instanceType of [...new Set(instanceVariants.map((v) => v.instanceType!))].sort()) {
    const ofType = instanceVariants.filter((v) => v.instanceType === instanceType);
    const instances = ofType.reduce((sum, v) => sum + v.instances!, 0);
    const notes = ofType.flatMap((v) => (v.note ? [v.note] : []));
    lines.push(
      costLine(
        {
          item: `SageMaker endpoint instances ${instanceType}`,
          resources: ofType.map((v) => v.path),
          quantity: instances * hoursPerMonth,
          quantityText: `${instances} × ${hoursPerMonth} h`,
          ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
        },
        prices.sagemaker('real-time inference', instanceType),
      ),
    );
  }

  for (const problem of minimums.problems) {
    lines.push(unpricedLine('SageMaker endpoint autoscaling', problem.path, problem.message));
  }
  return lines;
}

function variantOf(config: TemplateResource, value: unknown, index: number): Variant {
  const variant = asObject(value) ?? {};
  const name = typeof variant.VariantName === 'string' ? variant.VariantName : String(index);
  const path = `${config.path}/${name}`;
  const serverlessConfig = asObject(variant.ServerlessConfig);
  if (serverlessConfig) {
    const provisioned = serverlessConfig.ProvisionedConcurrency;
    return provisioned === undefined || provisioned === 0
      ? { path, serverless: true }
      : {
          path,
          serverless: true,
          problem: `${path}: serverless provisioned concurrency is not in the price table (lib/tools/cost/prices.ts)`,
        };
  }
  const instanceType = variant.InstanceType;
  const initial = variant.InitialInstanceCount;
  if (typeof instanceType !== 'string' || typeof initial !== 'number') {
    return {
      path,
      serverless: false,
      problem: `${path}: the instance type or count is not in the template (set at deploy time), so its instances cannot be priced`,
    };
  }
  return asObject(config.properties.AsyncInferenceConfig)
    ? { path, serverless: false, async: true, instanceType, instances: initial }
    : { path, serverless: false, instanceType, instances: initial };
}

function atMaximum(variant: Variant, maximum: number | undefined): Variant {
  const instances = maximum ?? variant.instances!;
  return {
    ...variant,
    instances,
    note: `${variant.path}: asynchronous, idles at 0 instances; priced as an upper bound at ${maximum === undefined ? `its ${instances} initial` : `its autoscaling maximum of ${instances}`} instance(s) all month`,
  };
}

function withMinimum(variant: Variant, minimum: number | undefined): Variant {
  if (minimum === undefined || minimum <= variant.instances!) return variant;
  return {
    ...variant,
    instances: minimum,
    note: `${variant.path}: autoscaling minimum ${minimum} above its initial ${variant.instances}`,
  };
}

/**
 * The autoscaling minimum of each endpoint variant (by the variant's path), from the scalable
 * targets of SageMaker variants: `endpoint/<endpoint>/variant/<variant>`, the endpoint naming its
 * config. A target whose variant is not in the templates is a problem, not a silent 0.
 */
function autoscalingMinimums(resources: readonly TemplateResource[]): Map<string, number> & {
  maximums: Map<string, number>;
  problems: Array<{ path: string; message: string }>;
} {
  const minimums = Object.assign(new Map<string, number>(), {
    maximums: new Map<string, number>(),
    problems: [] as Array<{ path: string; message: string }>,
  });
  for (const target of resources.filter((r) => r.type === 'AWS::ApplicationAutoScaling::ScalableTarget')) {
    if (target.properties.ServiceNamespace !== 'sagemaker') continue;
    const min = target.properties.MinCapacity;
    const resourceId = textWithReferences(target.properties.ResourceId) ?? '';
    const match = /^endpoint\/\{([^}]+)\}\/variant\/(.+)$/.exec(resourceId);
    const endpoint = match
      ? resources.find((r) => r.stack === target.stack && r.logicalId === match[1])
      : undefined;
    const config = endpoint
      ? resourceNamedBy(resources, endpoint, endpoint.properties.EndpointConfigName)
      : undefined;
    if (!config || typeof min !== 'number') {
      minimums.problems.push({
        path: target.path,
        message: `${target.path}: scales an endpoint variant (${resourceId || 'resource id not readable'}) whose config is not in these templates, or has no numeric MinCapacity: its minimum instances cannot be counted`,
      });
      continue;
    }
    const path = `${config.path}/${match![2]}`;
    minimums.set(path, Math.max(min, minimums.get(path) ?? 0));
    const max = target.properties.MaxCapacity;
    if (typeof max === 'number') minimums.maximums.set(path, Math.max(max, minimums.maximums.get(path) ?? 0));
  }
  return minimums;
}
