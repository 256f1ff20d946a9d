import { asObject } from '../../../../cfn/json-values';
import { valueAt } from '../../../../cfn/value-at';
import { count, costLine, type CostLine, unpricedLine } from '../../pricing/cost-line';
import type { RegionPriceList } from '../../pricing/price-table';
import { settingProblems, taskTarget } from '../../pricing/task-target';
import type { TemplateResource } from '../../pricing/template-resources';

/** DPUs per worker of the Glue Spark worker types (https://aws.amazon.com/glue/pricing/). */
export const GLUE_WORKER_DPUS: Readonly<Record<string, number>> = {
  'G.1X': 1,
  'G.2X': 2,
  'G.4X': 4,
  'G.8X': 8,
};

/** A job run's time limit when neither the run nor its job sets one (Glue API `Job.Timeout`). */
export const GLUE_DEFAULT_TIMEOUT_MINUTES = 2880;

/** Glue 2.0 and later bill a Spark job run per second, with a 1-minute minimum. */
const MINIMUM_BILLED_SECONDS = 60;

/**
 * One run of the Glue job a state starts, at its worst case: every worker allocated until the
 * run's time limit (the state's `Timeout`, else the job's, else Glue's default), once more for each
 * of the job's `MaxRetries`:
 * `runs × workers × DPUs per worker × max(1 min, time limit) h × the Spark DPU-hour price`.
 * A job the table cannot price (not Spark, Flex, before Glue 2.0, an unknown worker type, a value
 * set at run time or not in the templates) is a line whose `missing` says why.
 */
export function glueJobRunLine(
  state: string,
  parameters: unknown,
  stateMachine: TemplateResource,
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
): CostLine {
  const where = `${stateMachine.path} ${state}`;
  const item = `${state} (Glue Spark job)`;
  const unpriced = (resource: string, why: string): CostLine =>
    unpricedLine(item, resource, `${where}: ${why}`);

  const params = asObject(parameters) ?? {};
  const job = taskTarget(params, 'JobName', 'AWS::Glue::Job', 'job', stateMachine, resources);
  if ('why' in job) return unpriced(stateMachine.path, job.why);

  const command = asObject(job.properties.Command)?.Name;
  if (command !== 'glueetl') {
    return unpriced(
      job.path,
      `${String(command ?? 'its')} jobs are not estimated (only Spark jobs, glueetl)`,
    );
  }
  const version = job.properties.GlueVersion;
  if (typeof version !== 'string' || !(Number.parseFloat(version) >= 2)) {
    return unpriced(
      job.path,
      `Glue ${String(version ?? '(no GlueVersion)')} is not estimated (only Glue 2.0 and later, billed per second)`,
    );
  }
  /** The run's setting (the state's parameter), else the job's. */
  const setting = (name: string) => {
    const ofRun = valueAt(params, name);
    return ofRun !== undefined
      ? { value: ofRun, byRun: true }
      : { value: job.properties[name], byRun: false };
  };
  if (setting('ExecutionClass').value === 'FLEX') {
    return unpriced(
      job.path,
      'the Flex execution class is not in the price table (lib/tools/cost/prices.ts)',
    );
  }
  const workerType = setting('WorkerType');
  const workers = setting('NumberOfWorkers');
  const timeout = setting('Timeout');
  const problems = settingProblems([
    [workerType.value, 'string', 'worker type (WorkerType)'],
    [workers.value, 'number', 'number of workers (NumberOfWorkers)'],
    ...(timeout.value === undefined ? [] : [[timeout.value, 'number', 'time limit (Timeout)'] as const]),
  ]);
  if (problems.length > 0)
    return unpriced(job.path, `${problems.join(', ')}, so its worst case cannot be priced`);
  const dpus = GLUE_WORKER_DPUS[workerType.value as string];
  if (dpus === undefined) {
    return unpriced(
      job.path,
      `worker type ${String(workerType.value)} is not estimated (priced: ${Object.keys(GLUE_WORKER_DPUS).join(', ')})`,
    );
  }

  const minutes = (timeout.value as number | undefined) ?? GLUE_DEFAULT_TIMEOUT_MINUTES;
  const hours = Math.max(MINIMUM_BILLED_SECONDS, minutes * 60) / 3600;
  const retries = job.properties.MaxRetries;
  const runs = 1 + (typeof retries === 'number' ? retries : 0);
  const n = workers.value as number;
  const notes = [
    ...(timeout.byRun && typeof job.properties.Timeout === 'number'
      ? [`the run's Timeout (${minutes} min) set by the state, not the job's ${job.properties.Timeout} min`]
      : []),
    ...(timeout.value === undefined
      ? [`no Timeout: Glue's default ${GLUE_DEFAULT_TIMEOUT_MINUTES} min`]
      : []),
    ...(runs > 1 ? [`MaxRetries ${runs - 1}: a failed run is run again`] : []),
  ];
  const lookup = prices.get('glueSparkDpuHour');
  return costLine(
    {
      item: `${state} (Glue Spark job, ${n} × ${workerType.value as string})`,
      resources: [job.path],
      quantity: runs * n * dpus * hours,
      quantityText: `${runs > 1 ? `${count(runs, 'run')} × ` : ''}${count(n, 'worker')} × ${dpus} DPU × ${+hours.toFixed(3)} h`,
      ...(notes.length > 0 ? { note: `${where}: ${notes.join('; ')}` } : {}),
    },
    'missing' in lookup ? { missing: `${where}: ${lookup.missing}` } : lookup,
  );
}
