import { asObject, type JsonObject } from '../../../cfn/json-values';
import type { ListPrice, RegionPriceList } from '../pricing/price-table';
import { referencedLogicalIds, type TemplateResource } from '../pricing/template-resources';

/** The resource types this file prices. */
export const MONITORING_TYPES = [
  'AWS::SageMaker::MonitoringSchedule',
  'AWS::SageMaker::DataQualityJobDefinition',
  'AWS::SageMaker::ModelQualityJobDefinition',
  'AWS::SageMaker::ModelBiasJobDefinition',
  'AWS::SageMaker::ModelExplainabilityJobDefinition',
] as const;

/** A Model Monitor schedule: what one execution costs at worst, and how often it runs. */
export interface ScheduledJobCost {
  /** The schedule's construct path. */
  readonly schedule: string;
  readonly expression?: string;
  readonly instanceType?: string;
  readonly instanceCount?: number;
  readonly maxRuntimeSeconds?: number;
  readonly price?: ListPrice;
  /** One execution running to its time limit. */
  readonly perExecutionUsd?: number;
  /** Executions a month, for hourly and daily schedules. */
  readonly executionsPerMonth?: number;
  /** Every execution of the month running to its time limit: the bound, not the expectation. */
  readonly monthlyBoundUsd?: number;
  readonly missing?: string;
}

/**
 * Each Model Monitor schedule, priced as processing instances: one execution at worst is
 * `InstanceCount × MaxRuntimeInSeconds / 3600 × price`. An execution of an idle endpoint's check
 * has no captured data to read and ends early, so the monthly figure is a bound, kept out of the
 * idle total.
 */
export function monitoringScheduleCosts(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
  hoursPerMonth: number,
): ScheduledJobCost[] {
  return resources
    .filter((r) => r.type === 'AWS::SageMaker::MonitoringSchedule')
    .map((schedule) => {
      const config = asObject(schedule.properties.MonitoringScheduleConfig) ?? {};
      const expression = asObject(config.ScheduleConfig)?.ScheduleExpression;
      const base = {
        schedule: schedule.path,
        ...(typeof expression === 'string' ? { expression } : {}),
      };
      const job = jobOf(resources, schedule, config);
      const instanceType = job?.cluster.InstanceType;
      const instanceCount = job?.cluster.InstanceCount;
      const maxRuntime = job?.stopping.MaxRuntimeInSeconds;
      if (
        typeof instanceType !== 'string' ||
        typeof instanceCount !== 'number' ||
        typeof maxRuntime !== 'number'
      ) {
        return {
          ...base,
          missing: `${schedule.path}: its job's instances or time limit are not in these templates, so its executions cannot be priced`,
        };
      }
      const measured = { ...base, instanceType, instanceCount, maxRuntimeSeconds: maxRuntime };
      const lookup = prices.sagemaker('processing', instanceType);
      if ('missing' in lookup) return { ...measured, missing: `${schedule.path}: ${lookup.missing}` };
      const perExecutionUsd = instanceCount * (maxRuntime / 3600) * lookup.price.usd;
      const executionsPerMonth =
        typeof expression === 'string' ? executions(expression, hoursPerMonth) : undefined;
      return {
        ...measured,
        price: lookup.price,
        perExecutionUsd,
        ...(executionsPerMonth === undefined
          ? {}
          : { executionsPerMonth, monthlyBoundUsd: perExecutionUsd * executionsPerMonth }),
      };
    });
}

/** The cluster and stopping condition of the schedule's job: inline, or its job definition's. */
function jobOf(
  resources: readonly TemplateResource[],
  schedule: TemplateResource,
  config: JsonObject,
): { cluster: JsonObject; stopping: JsonObject } | undefined {
  const inline = asObject(config.MonitoringJobDefinition);
  if (inline) {
    return {
      cluster: asObject(asObject(inline.MonitoringResources)?.ClusterConfig) ?? {},
      stopping: asObject(inline.StoppingCondition) ?? {},
    };
  }
  const ids = referencedLogicalIds(config.MonitoringJobDefinitionName);
  const definition = resources.find(
    (r) => r.stack === schedule.stack && ids.includes(r.logicalId) && r.type.endsWith('JobDefinition'),
  );
  if (!definition) return undefined;
  return {
    cluster: asObject(asObject(definition.properties.JobResources)?.ClusterConfig) ?? {},
    stopping: asObject(definition.properties.StoppingCondition) ?? {},
  };
}

/** Executions a month of an hourly or daily `cron(...)` expression; undefined for any other. */
function executions(expression: string, hoursPerMonth: number): number | undefined {
  const fields = /^cron\((.+)\)$/.exec(expression.trim())?.[1].trim().split(/\s+/);
  if (!fields || fields.length !== 6) return undefined;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const everyDay = ['*', '?'].includes(dayOfMonth) && month === '*' && ['*', '?'].includes(dayOfWeek);
  if (!/^\d+$/.test(minute) || !everyDay) return undefined;
  if (hour === '*') return hoursPerMonth;
  if (/^\d+$/.test(hour)) return hoursPerMonth / 24;
  return undefined;
}
