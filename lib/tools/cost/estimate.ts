import { type AthenaQueryCost, athenaQueryCosts } from './athena-queries';
import { type CostLine, costLine, missingPrices, totalUsd } from '../pricing/cost-line';
import { type DataPipelineRunCost, dataPipelineRunCosts } from './data-pipeline-runs';
import { ENDPOINT_TYPES, endpointInstanceLines } from './endpoint-instances';
import { FREE_WHILE_IDLE } from './free-while-idle';
import { IDLE_TYPES, idleResourceLines } from './idle-resources';
import { MONITORING_TYPES, monitoringScheduleCosts, type ScheduledJobCost } from './monitoring-schedules';
import { type PriceTable, RegionPriceList } from '../pricing/price-table';
import { PRICE_TABLE } from './prices';
import { type EnvironmentTemplatesInput, templateResources } from '../pricing/template-resources';
import { type TrainingRunCost, trainingRunCosts } from './training-runs';
import { unmodeledTasks } from './unmodeled-tasks';

/**
 * What one environment costs: a month while idle, each training run, each data pipeline run, each
 * Athena query, each scheduled check.
 */
export interface EnvironmentCost {
  readonly name: string;
  readonly region: string;
  /** The lines of a month while idle: nothing trains, nothing is invoked, nothing is stored. */
  readonly idle: readonly CostLine[];
  /** The sum of the idle lines that have a price (complete only when `missing` is empty). */
  readonly idleUsd: number;
  /** How many endpoint configs the templates have (0: no endpoint is served). */
  readonly endpointConfigs: number;
  /** Per training pipeline, one run at its worst case. */
  readonly trainingRuns: readonly TrainingRunCost[];
  /** Per data pipeline, one run at its worst case (the training run it starts apart). */
  readonly dataPipelineRuns: readonly DataPipelineRunCost[];
  /** Per batch transform (a batch-served model), one run at its worst case: its job to its time limit. */
  readonly batchRuns: readonly DataPipelineRunCost[];
  /** Per Athena workgroup, what one query costs: at least, and at most. */
  readonly athenaQueries: readonly AthenaQueryCost[];
  /** Model Monitor schedules: per execution, and the monthly bound. */
  readonly scheduledJobs: readonly ScheduledJobCost[];
  /** Resources that cost nothing while idle: count by type, and why. */
  readonly freeWhileIdle: ReadonlyArray<{
    readonly type: string;
    readonly count: number;
    readonly why: string;
  }>;
  /** Every price (or resource) the estimate could not price, each in a sentence. */
  readonly missing: readonly string[];
}

const PRICED_TYPES: readonly string[] = [...ENDPOINT_TYPES, ...IDLE_TYPES, ...MONITORING_TYPES];

/** Estimates one environment from its synthesized templates and the price table. */
export function estimateEnvironment(
  input: EnvironmentTemplatesInput,
  table: PriceTable = PRICE_TABLE,
): EnvironmentCost {
  const resources = templateResources(input.stacks);
  const prices = new RegionPriceList(table, input.region);
  const hours = table.hoursPerMonth;

  const unknown = new Map<string, string[]>();
  const free = new Map<string, number>();
  for (const r of resources) {
    if (PRICED_TYPES.includes(r.type)) continue;
    if (r.type in FREE_WHILE_IDLE) free.set(r.type, (free.get(r.type) ?? 0) + 1);
    else unknown.set(r.type, [...(unknown.get(r.type) ?? []), r.path]);
  }
  const notEstimated = [...unknown].map(([type, paths]) =>
    costLine(
      { item: type, resources: paths, quantity: paths.length, quantityText: String(paths.length) },
      {
        missing: `${type} (${paths.join(', ')}): a resource type the estimate does not price: add it to lib/tools/cost/ (priced, or free while idle with the reason)`,
      },
    ),
  );

  const idle = [
    ...endpointInstanceLines(resources, prices, hours),
    ...idleResourceLines(resources, prices, hours),
    ...notEstimated,
  ];
  const trainingRuns = trainingRunCosts(resources, prices, table);
  const dataPipelineRuns = dataPipelineRunCosts(resources, prices);
  const batchRuns = dataPipelineRunCosts(resources, prices, 'batch-run');
  const athenaQueries = athenaQueryCosts(resources, prices);
  const scheduledJobs = monitoringScheduleCosts(resources, prices, hours);
  return {
    name: input.name,
    region: input.region,
    idle,
    idleUsd: totalUsd(idle),
    endpointConfigs: resources.filter((r) => r.type === 'AWS::SageMaker::EndpointConfig').length,
    trainingRuns,
    dataPipelineRuns,
    batchRuns,
    athenaQueries,
    scheduledJobs,
    freeWhileIdle: [...free].map(([type, n]) => ({ type, count: n, why: FREE_WHILE_IDLE[type] })),
    missing: [
      ...missingPrices(idle),
      ...trainingRuns.flatMap((run) => run.missing),
      ...dataPipelineRuns.flatMap((run) => run.missing),
      ...batchRuns.flatMap((run) => run.missing),
      ...missingPrices(athenaQueries),
      ...missingPrices(scheduledJobs),
      ...unmodeledTasks(resources),
    ],
  };
}
