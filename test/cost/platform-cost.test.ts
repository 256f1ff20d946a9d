import type { EnvironmentConfig } from '../../config';
import type { CostLine } from '../../lib/cost/cost-line';
import type { EnvironmentCost } from '../../lib/cost/estimate';
import { PRICE_TABLE } from '../../lib/cost/prices';
import { formatCostReport } from '../../lib/cost/report';
import { type CostReport, costReport } from '../../lib/cost/run';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const HOURS = PRICE_TABLE.hoursPerMonth;

let report: CostReport;
beforeAll(() => {
  // The platform as configured (synthesized once per run), and, for the models it does not serve,
  // the platform with every model pinned (synthesized here, once).
  report = costReport(assembly, config);
});

const environments = config.environments.map((env) => [env.name, env] as const);
const reportOf = (env: EnvironmentConfig) => report.environments.find((e) => e.environment === env.name)!;
/** The estimate as the environment would be with every model served (as it is, if it serves every model). */
const servedOf = (env: EnvironmentConfig): EnvironmentCost =>
  reportOf(env).ifEachModelServed ?? reportOf(env).estimate;
const lines = (estimate: EnvironmentCost, prefix: string): CostLine[] =>
  estimate.idle.filter((l) => l.item.startsWith(prefix));

test('every configured environment gets an estimate, with no price missing', () => {
  expect(report.environments.map((e) => e.environment)).toEqual(config.environments.map((e) => e.name));
  expect(report.missing).toEqual([]);
  for (const e of report.environments) {
    expect(e.estimate.idleUsd).toBeGreaterThan(0);
    expect(e.estimate.trainingRuns.length).toBe(config.models.length);
  }
});

test.each(environments)('%s: an environment without pins says it serves no endpoint', (_name, env) => {
  const e = reportOf(env);
  expect(e.unservedModels).toEqual(config.models.map((m) => m.name).filter((m) => !env.deployments[m]));
  if (Object.keys(env.deployments).length > 0) return;
  expect(e.estimate.endpointConfigs).toBe(0);
  expect(lines(e.estimate, 'SageMaker')).toEqual([]);
  expect(formatCostReport({ ...report, environments: [e] })).toContain('no endpoint served (nothing pinned)');
});

test.each(environments)('%s: serving every model costs what its serving knobs say', (_name, env) => {
  const served = servedOf(env);
  const endpointInstances = lines(served, 'SageMaker endpoint instances');
  if (env.serving.kind === 'serverless') {
    expect(endpointInstances).toEqual([]);
    expect(lines(served, 'SageMaker serverless endpoints')).toEqual([
      expect.objectContaining({ quantity: config.models.length, usd: 0 }),
    ]);
    return;
  }
  const instances =
    Math.max(env.serving.initialInstanceCount, env.serving.autoscaling.minInstances) * config.models.length;
  const price = PRICE_TABLE.regions[env.region].sagemakerRealTime[env.serving.instanceType].usd;
  expect(endpointInstances).toEqual([
    expect.objectContaining({
      item: `SageMaker endpoint instances ${env.serving.instanceType}`,
      quantity: instances * HOURS,
    }),
  ]);
  expect(endpointInstances[0].usd).toBeCloseTo(instances * HOURS * price, 6);
});

test.each(environments)(
  '%s: VPC interface endpoints exactly where the network knob puts a VPC',
  (_name, env) => {
    for (const estimate of [reportOf(env).estimate, servedOf(env)]) {
      const vpcEndpoints = lines(estimate, 'VPC interface endpoints');
      if (env.network === 'none') expect(vpcEndpoints).toEqual([]);
      else expect(vpcEndpoints).toEqual([expect.objectContaining({ usd: expect.any(Number) })]);
    }
  },
);

test('an environment on serverless without a VPC costs less while idle than every one with instances or a VPC', () => {
  const cheap = config.environments.filter((e) => e.serving.kind === 'serverless' && e.network === 'none');
  expect(cheap.length).toBeGreaterThan(0); // dev, in the default configuration
  // As configured: a VPC's interface endpoints cost by the hour whether or not a model is served.
  const withVpc = config.environments.filter((e) => e.network === 'vpc');
  // Serving every model: so do endpoint instances.
  const withInstancesOrVpc = config.environments.filter(
    (e) => e.serving.kind === 'instance' || e.network === 'vpc',
  );
  for (const low of cheap) {
    for (const high of withVpc) {
      expect(reportOf(low).estimate.idleUsd).toBeLessThan(reportOf(high).estimate.idleUsd);
    }
    for (const high of withInstancesOrVpc) expect(servedOf(low).idleUsd).toBeLessThan(servedOf(high).idleUsd);
  }
});

test.each(environments)('%s: a training run prices the jobs its training knobs configure', (_name, env) => {
  const { training } = env;
  for (const run of reportOf(env).estimate.trainingRuns) {
    expect(run.missing).toEqual([]);
    expect(run.jobs.map((j) => j.use).sort()).toEqual(['processing', 'processing', 'processing', 'training']);
    for (const job of run.jobs) {
      const training_ = job.use === 'training';
      expect(job).toMatchObject({
        instanceType: training_ ? training.instanceType : training.processingInstanceType,
        instanceCount: training_ ? training.instanceCount : 1,
        maxRuntimeSeconds: 60 * training.maxRuntimeMinutes,
        spot: training_ && training.spot.enabled,
      });
      const discount = job.spot ? 1 - PRICE_TABLE.spotTrainingDiscount.fraction : 1;
      expect(job.usd).toBeCloseTo(job.onDemandUsd! * discount, 6);
    }
  }
});

test.each(environments)(
  '%s: a served instance endpoint has its drift check priced per execution',
  (_name, env) => {
    const checks = servedOf(env).scheduledJobs;
    if (env.serving.kind !== 'instance' || env.serving.dataCapturePercent === 0) {
      expect(checks).toEqual([]);
      return;
    }
    expect(checks).toHaveLength(config.models.length);
    for (const check of checks) {
      expect(check.missing).toBeUndefined();
      expect(check.perExecutionUsd).toBeGreaterThan(0);
      if (/^cron\(\d+ \* \? \* \* \*\)$/.test(env.monitoring.driftSchedule)) {
        expect(check.executionsPerMonth).toBe(HOURS);
      }
    }
  },
);
