import type { CostLine } from '../pricing/cost-line';
import type { EnvironmentCost } from './estimate';
import type { ListPrice } from '../pricing/price-table';
import { PRICE_TABLE_FILE } from '../pricing/price-table';
import type { CostReport, EnvironmentCostReport } from './run';

/** `$1,234.56`; below a cent as `$0.00`. */
export function usd(value: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A unit price with the precision it was given in: `$0.011/AZ-hour`, `$3.00/dashboard-month`. */
export function unitPrice(price: ListPrice): string {
  const digits = Math.max(2, (String(price.usd).split('.')[1] ?? '').length);
  return `$${price.usd.toFixed(digits)}/${price.unit}`;
}

/** Rows as aligned columns; the columns in `right` are aligned right. */
function columns(rows: readonly string[][], right: readonly number[] = []): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

/** A total, marked as a lower bound when a price is missing. */
function total(value: number, complete: boolean): string {
  return complete ? usd(value) : `at least ${usd(value)}`;
}

/** The idle total of an estimate, a lower bound when an idle line lacks its price. */
function idleTotal(estimate: EnvironmentCost): string {
  return total(
    estimate.idleUsd,
    estimate.idle.every((l) => !l.missing),
  );
}

function lineRow(line: CostLine): string[] {
  if (line.missing) return [line.item, line.quantityText, 'MISSING PRICE', '?'];
  return [line.item, line.quantityText, unitPrice(line.price!), usd(line.usd!)];
}

const MONEY = [3];
const INDENT = '  ';
const WIDTH = 110;

/**
 * Text as indented lines of at most WIDTH characters, broken only at `separator` (a space, or
 * `, ` for lists whose items must stay whole); later lines are indented more.
 */
function wrap(text: string, separator = ' '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(separator)) {
    const indent = lines.length === 0 ? INDENT : INDENT.repeat(2);
    if (line === '') line = indent + part;
    else if (line.length + separator.length + part.length <= WIDTH) line += separator + part;
    else {
      lines.push(line + separator.trimEnd());
      line = INDENT.repeat(2) + part;
    }
  }
  return [...lines, line];
}

function idleSection(estimate: EnvironmentCost, endpointsNote: string | undefined): string[] {
  const rows = [
    ['a month while idle', 'quantity', 'unit price', 'per month'],
    ...estimate.idle.map(lineRow),
    ...(endpointsNote ? [['SageMaker endpoints', endpointsNote, '', '']] : []),
    ['idle total', '', '', idleTotal(estimate)],
  ];
  const free = estimate.freeWhileIdle.map((f) => `${f.count} ${f.type.replace(/^AWS::/, '')}`).join(', ');
  return [
    ...columns(rows, MONEY).map((l) => INDENT + l),
    ...(free ? wrap(`free while idle: ${free}`, ', ') : []),
    ...estimate.idle.flatMap((l) => (l.note ? wrap(`note: ${l.note}`) : [])),
  ];
}

function trainingSection(estimate: EnvironmentCost, spotPercent: number, region: string): string[] {
  if (estimate.trainingRuns.length === 0) return [`${INDENT}no training pipeline`];
  const rows = [
    ['one training run, each job to its time limit', 'instances', 'hours', 'unit price', 'per run'],
  ];
  for (const run of estimate.trainingRuns) {
    const name = run.stateMachine.replace(/\/StateMachine$/, '');
    for (const job of run.jobs) {
      const what = `${name} ${job.state} (${job.use}${job.spot ? ', spot' : ''})`;
      if (job.missing) {
        rows.push([what, '', '', 'MISSING PRICE', '?']);
        continue;
      }
      rows.push([
        what,
        // A tuning job's trials each run the instances: `4 trials × 1 × ml.m5.large`.
        `${job.trials !== undefined ? `${job.trials} trials × ` : ''}${job.instanceCount} × ${job.instanceType}`,
        String(+(job.maxRuntimeSeconds! / 3600).toFixed(2)),
        job.spot ? `${unitPrice(job.price!)} - ${spotPercent} %` : unitPrice(job.price!),
        usd(job.usd!),
      ]);
    }
    const bound = run.usd === run.onDemandUsd ? '' : ` (all on demand ${usd(run.onDemandUsd)})`;
    rows.push([`${name}: per run${bound}`, '', '', '', total(run.usd, run.missing.length === 0)]);
  }
  // Each instance price once, with where, when and from whom it was read (and spot's discount).
  const priced = new Map<string, string>();
  for (const job of estimate.trainingRuns.flatMap((run) => run.jobs)) {
    if (!job.price) continue;
    const spot = job.spot ? `, less ${spotPercent} % assumed for spot` : '';
    priced.set(
      `${job.instanceType} ${job.use}${spot}`,
      `price: ${job.instanceType} ${job.use} in ${region}: ${unitPrice(job.price)} on demand as of ${job.price.asOf}${spot} (${job.price.source})`,
    );
  }
  return [...columns(rows, [2, 4]), ...priced.values()].map((l) => INDENT + l);
}

/** An amount below a dollar with two significant digits (`$0.00005`, `$0.054`), others as `usd`. */
function smallUsd(value: number): string {
  return value > 0 && value < 1 ? `$${Number(value.toPrecision(2))}` : usd(value);
}

/** `10 GiB`, or decimal GB when the bytes are not whole GiB. */
function bytesText(bytes: number): string {
  return bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30} GiB` : `${+(bytes / 1e9).toFixed(3)} GB`;
}

function dataPipelineSection(estimate: EnvironmentCost): string[] {
  const runs = estimate.dataPipelineRuns;
  const name = (stateMachine: string) => stateMachine.replace(/\/StateMachine$/, '');
  const rows = [
    ["one run's Glue and CodeBuild steps, each to its time limit", 'quantity', 'unit price', 'per run'],
  ];
  for (const run of runs) {
    for (const line of run.lines) {
      const [item, ...rest] = lineRow(line);
      rows.push([`${name(run.stateMachine)} ${item}`, ...rest]);
    }
    rows.push([`${name(run.stateMachine)}: per run`, '', '', total(run.usd, run.missing.length === 0)]);
  }
  const queries = estimate.athenaQueries.flatMap((q) => {
    const where = `Athena queries of workgroup ${q.name ?? q.workGroup}`;
    if (q.missing) return [`${INDENT}${where}: MISSING PRICE`];
    const bound =
      q.boundUsd === undefined
        ? 'no scan limit, so no bound'
        : `to ${smallUsd(q.boundUsd)} (its ${bytesText(q.bytesScannedCutoffPerQuery!)} scan limit)`;
    return wrap(
      `${where}: ${unitPrice(q.price!)}, from ${smallUsd(q.minimumUsd!)} (the 10 MB minimum) ${bound} per query;` +
        ' in no total: how many a run makes and what they scan depends on the models and the data',
    );
  });
  return [
    ...(runs.length > 0 ? columns(rows, MONEY).map((l) => INDENT + l) : []),
    ...runs.flatMap((run) =>
      run.starts.length > 0
        ? wrap(`${name(run.stateMachine)} then starts ${run.starts.join(', ')}: its run is priced on its own`)
        : [],
    ),
    ...runs.flatMap((run) => run.lines.flatMap((l) => (l.note ? wrap(`note: ${l.note}`) : []))),
    ...queries,
  ];
}

/** Each batch transform's run: its transform job to its time limit, and its state transitions. */
function batchSection(estimate: EnvironmentCost): string[] {
  const runs = estimate.batchRuns;
  if (runs.length === 0) return [];
  const name = (stateMachine: string) => stateMachine.replace(/\/StateMachine$/, '');
  const rows = [
    ['one batch transform, its instances to the time limit', 'quantity', 'unit price', 'per run'],
  ];
  for (const run of runs) {
    for (const line of run.lines) {
      const [item, ...rest] = lineRow(line);
      rows.push([`${name(run.stateMachine)} ${item}`, ...rest]);
    }
    rows.push([`${name(run.stateMachine)}: per run`, '', '', total(run.usd, run.missing.length === 0)]);
  }
  return [
    ...columns(rows, MONEY).map((l) => INDENT + l),
    ...runs.flatMap((run) => run.lines.flatMap((l) => (l.note ? wrap(`note: ${l.note}`) : []))),
  ];
}

function scheduledSection(estimate: EnvironmentCost): string[] {
  return estimate.scheduledJobs.flatMap((job) => {
    if (job.missing) return [`${INDENT}scheduled check ${job.schedule}: MISSING PRICE`];
    const minutes = +(job.maxRuntimeSeconds! / 60).toFixed(1);
    const month =
      job.executionsPerMonth === undefined
        ? ''
        : `, up to ${+job.executionsPerMonth.toFixed(1)} a month: at most ${usd(job.monthlyBoundUsd!)}`;
    return wrap(
      `scheduled check ${job.schedule} ${job.expression ?? ''}: ${job.instanceCount} × ${job.instanceType}` +
        ` up to ${minutes} min = ${usd(job.perExecutionUsd!)} per execution${month}` +
        ' (not in the idle total: a check of an idle endpoint has no captured data to read and ends early)',
    );
  });
}

/** The lines serving every model adds or changes, with their monthly figures then. */
function servedSection(now: EnvironmentCost, served: EnvironmentCost, unserved: readonly string[]): string[] {
  const before = new Map(now.idle.map((l) => [l.item, l]));
  const changed = served.idle.filter((l) => {
    const was = before.get(l.item);
    return !was || was.usd !== l.usd || was.missing !== l.missing;
  });
  const rows = [
    [
      `if each model is served (a stand-in pin of ${unserved.join(', ')})`,
      'quantity',
      'unit price',
      'per month',
    ],
    ...changed.map(lineRow),
    ['idle total if served', '', '', `${idleTotal(served)} (+${usd(served.idleUsd - now.idleUsd)})`],
  ];
  return [...columns(rows, MONEY).map((l) => INDENT + l), ...scheduledSection(served)];
}

function environmentSection(report: EnvironmentCostReport, spotPercent: number): string[] {
  const { estimate } = report;
  const header = `${report.environment} (${report.region})${
    report.emulated
      ? ': runs in the local emulator and costs nothing; below, what its stacks would cost on AWS'
      : ''
  }`;
  const endpointsNote =
    estimate.endpointConfigs === 0
      ? 'no endpoint served (nothing pinned)'
      : report.unservedModels.length > 0
        ? `${report.unservedModels.join(', ')} not served (no pin)`
        : undefined;
  return [
    header,
    ...idleSection(estimate, endpointsNote),
    ...scheduledSection(estimate),
    '',
    ...trainingSection(estimate, spotPercent, report.region),
    ...(estimate.dataPipelineRuns.length > 0 || estimate.athenaQueries.length > 0
      ? ['', ...dataPipelineSection(estimate)]
      : []),
    ...(estimate.batchRuns.length > 0 ? ['', ...batchSection(estimate)] : []),
    ...(report.ifEachModelServed
      ? [
          '',
          ...servedSection(estimate, report.ifEachModelServed, report.unservedModels),
          ...(estimate.batchRuns.length === 0 && report.ifEachModelServed.batchRuns.length > 0
            ? ['', ...batchSection(report.ifEachModelServed)]
            : []),
        ]
      : []),
  ];
}

function summary(report: CostReport): string[] {
  const rows = [
    ['environment', 'region', 'idle a month', 'if each model is served', 'one run of each pipeline'],
  ];
  for (const e of report.environments) {
    const runs = [...e.estimate.trainingRuns, ...e.estimate.dataPipelineRuns, ...e.estimate.batchRuns];
    const runsUsd = runs.reduce((sum, r) => sum + r.usd, 0);
    rows.push([
      e.emulated ? `${e.environment} (emulated: $0)` : e.environment,
      e.region,
      idleTotal(e.estimate),
      idleTotal(e.ifEachModelServed ?? e.estimate),
      runs.length === 0
        ? '-'
        : total(
            runsUsd,
            runs.every((r) => r.missing.length === 0),
          ),
    ]);
  }
  return columns(rows, [2, 3, 4]);
}

/** The report as tables a person reads: per environment, then a summary. */
export function formatCostReport(report: CostReport): string {
  const spotPercent = Math.round(report.spotTrainingDiscount.fraction * 100);
  const lines = [
    `mlenv cost: ${report.currency} a month while idle (${report.hoursPerMonth} h) and per training run, from the synthesized templates`,
    ...wrap(`prices: ${PRICE_TABLE_FILE}: ${report.basis}`).map((l) => l.slice(INDENT.length)),
    ...wrap(
      `spot training: ${spotPercent} % below on demand assumed (${report.spotTrainingDiscount.note})`,
    ).map((l) => l.slice(INDENT.length)),
    '',
  ];
  for (const e of report.environments) lines.push(...environmentSection(e, spotPercent), '');
  lines.push(...summary(report));
  if (report.missing.length > 0) {
    lines.push(
      '',
      `${report.missing.length} missing price${report.missing.length === 1 ? '' : 's'}: the totals they touch are lower bounds`,
      ...report.missing.map((m) => `  - ${m}`),
    );
  }
  return lines.join('\n');
}

/** The report as JSON, amounts rounded to a millionth of a dollar. */
export function costJson(report: CostReport): string {
  return JSON.stringify(
    report,
    (_key, value: unknown) =>
      typeof value === 'number' && !Number.isInteger(value) ? +value.toFixed(6) : value,
    2,
  );
}
