import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../config';
import type { CostLine } from '../../lib/tools/pricing/cost-line';
import type { EnvironmentCost } from '../../lib/tools/cost/estimate';
import type { PriceTable } from '../../lib/tools/pricing/price-table';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { formatCostReport } from '../../lib/tools/cost/report';
import { type CostReport, costReport } from '../../lib/tools/cost/run';
import { REPO_ROOT } from '../../config/repo-root';
import { PYTHON_LOCKS } from '../../lib/platform/locks/python-locks';
import { platformAssembly } from '../support/platform';

const { assembly, config } = platformAssembly();
const HOURS = PRICE_TABLE.hoursPerMonth;

/** The environments in a region the price table has no prices for (an environment added by configuration). */
const unpriced = config.environments.filter((env) => PRICE_TABLE.regions[env.region] === undefined);
/**
 * The price table, with a priced region's figures standing in for each region it lacks, so that
 * what the knobs configure is checked in every environment; what the real table says of those
 * regions is checked on its own (below).
 */
const TABLE: PriceTable = {
  ...PRICE_TABLE,
  regions: {
    ...Object.fromEntries(unpriced.map((env) => [env.region, Object.values(PRICE_TABLE.regions)[0]])),
    ...PRICE_TABLE.regions,
  },
};

let report: CostReport;
beforeAll(() => {
  // The platform as configured (synthesized once per run), and, for the models it does not serve,
  // the platform with every model pinned (synthesized here, once).
  report = costReport(assembly, config, { table: TABLE });
});

test('an environment in a region without prices is estimated with every price missing, each naming the region and where to add it (a stand-in region prices the other tests)', () => {
  const real = costReport(assembly, config, { table: PRICE_TABLE, servedAssembly: assembly });
  for (const env of config.environments) {
    const estimate = real.environments.find((e) => e.environment === env.name)!.estimate;
    const noRegion = `no prices for region ${env.region}: add the region to lib/tools/cost/prices.ts`;
    if (!unpriced.includes(env)) {
      expect(estimate.missing.filter((m) => m.includes(noRegion))).toEqual([]);
      continue;
    }
    expect(estimate.idleUsd).toBe(0);
    expect(estimate.missing.length).toBeGreaterThan(0);
    expect(estimate.missing.filter((m) => !m.includes(noRegion))).toEqual([]);
    expect(real.missing).toContainEqual(expect.stringContaining(noRegion));
  }
});

const environments = config.environments.map((env) => [env.name, env] as const);
const reportOf = (env: EnvironmentConfig) => report.environments.find((e) => e.environment === env.name)!;
/** The estimate as the environment would be with every model served (as it is, if it serves every model). */
const servedOf = (env: EnvironmentConfig): EnvironmentCost =>
  reportOf(env).ifEachModelServed ?? reportOf(env).estimate;
const lines = (estimate: EnvironmentCost, prefix: string): CostLine[] =>
  estimate.idle.filter((l) => l.item.startsWith(prefix));

/** Whether the environment has a managed MLflow tracking server whose size the price table lacks. */
const trackingPriceMissing = (env: EnvironmentConfig): boolean =>
  env.tracking.server === 'managed' &&
  TABLE.regions[env.region].sagemakerMlflowTrackingServer[env.tracking.size] === undefined;

/** Whether the environment installs through CodeArtifact (a VPC) where the price table lacks the figure of `kind`. */
const packagePriceMissing = (env: EnvironmentConfig, kind: 'storage' | 'requests'): boolean =>
  env.network === 'vpc' && TABLE.regions[env.region].codeartifact[kind] === undefined;

test('every configured environment gets an estimate; the only missing prices are the managed tracking servers’ and CodeArtifact’s', () => {
  expect(report.environments.map((e) => e.environment)).toEqual(config.environments.map((e) => e.name));
  // One sentence per size and region of a managed server the table has no figure for (none has
  // been read from the pricing page yet), each naming both; one per CodeArtifact price and region
  // where builds install through CodeArtifact (none read yet either); nothing else is missing.
  const expected = [
    ...new Set([
      ...config.environments
        .filter(trackingPriceMissing)
        .map(
          (env) =>
            `no hourly price for a SageMaker MLflow tracking server (${env.tracking.size}) in ${env.region}: `,
        ),
      ...(['storage', 'requests'] as const).flatMap((kind) =>
        config.environments
          .filter((env) => packagePriceMissing(env, kind))
          .map((env) => `no price for CodeArtifact ${kind} in ${env.region}: `),
      ),
    ]),
  ];
  expect(report.missing).toHaveLength(expected.length);
  for (const start of expected) {
    expect(report.missing).toContainEqual(expect.stringMatching(new RegExp(`^${escapeRegExp(start)}`)));
  }
  for (const env of config.environments) {
    const e = reportOf(env);
    expect(e.estimate.idleUsd).toBeGreaterThan(0);
    expect(e.estimate.trainingRuns.length).toBe(config.models.length);
    for (const estimate of [e.estimate, servedOf(env)]) {
      expect([...new Set(estimate.missing)].sort()).toEqual(
        [
          ...(trackingPriceMissing(env)
            ? [lines(estimate, 'SageMaker MLflow tracking server')[0].missing]
            : []),
          ...(packagePriceMissing(env, 'storage')
            ? [lines(estimate, 'CodeArtifact stored packages')[0].missing]
            : []),
          ...(packagePriceMissing(env, 'requests')
            ? [
                `no price for CodeArtifact requests in ${env.region}: read it on https://aws.amazon.com/codeartifact/pricing/ and add it to lib/tools/cost/prices.ts (codeartifact: { requests: ... })`,
              ]
            : []),
        ].sort(),
      );
    }
  }
});

test.each(environments)(
  '%s: CodeArtifact bills the packages its domain keeps and the requests of each build, where builds install through it',
  (_name, env) => {
    const estimate = reportOf(env).estimate;
    const stored = lines(estimate, 'CodeArtifact stored packages');
    const requests = estimate.dataPipelineRuns.flatMap((run) =>
      run.lines.filter((l) => l.item.endsWith('(CodeArtifact requests)')),
    );
    if (env.network !== 'vpc') {
      expect(stored).toEqual([]);
      expect(requests).toEqual([]);
      return;
    }
    expect(stored).toEqual([
      expect.objectContaining({ quantity: 0, quantityText: expect.stringMatching(/^1 domain, 0 GB/) }),
    ]);
    // Each build of a run (the dbt build, the recorder's record and link builds): its login, and
    // pip's index page and wheel for each package of the lock it installs (counted here from the lock).
    const packagesOf = (lockPath: string) =>
      readFileSync(join(REPO_ROOT, lockPath), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Za-z0-9]/.test(line)).length;
    const expectedRequests = new Set(
      PYTHON_LOCKS.filter((l) => l.target.kind === 'platform').map((l) => 2 + 2 * packagesOf(l.lock)),
    );
    expect(requests.length).toBeGreaterThan(0);
    for (const line of requests) expect(expectedRequests.has(line.quantity * 10_000)).toBe(true);

    // With figures in the table (stand-ins, not prices), both are priced and nothing of them is missing.
    const figure = { usd: 0.5, unit: 'stand-in', source: 'test', asOf: 'test' };
    const table = {
      ...PRICE_TABLE,
      regions: {
        ...TABLE.regions,
        [env.region]: {
          ...TABLE.regions[env.region],
          codeartifact: { storage: figure, requests: figure },
        },
      },
    };
    const priced = costReport(assembly, config, { environment: env.name, table, servedAssembly: assembly });
    const pricedEstimate = priced.environments[0].estimate;
    expect(lines(pricedEstimate, 'CodeArtifact stored packages')[0].usd).toBe(0);
    for (const run of pricedEstimate.dataPipelineRuns) {
      for (const line of run.lines.filter((l) => l.item.endsWith('(CodeArtifact requests)'))) {
        expect(line.usd).toBeCloseTo(line.quantity * figure.usd, 9);
      }
    }
    expect(pricedEstimate.missing.filter((m) => /CodeArtifact/.test(m))).toEqual([]);
  },
);

test.each(environments)(
  "%s: a managed MLflow tracking server bills the month's hours at its size; none without one",
  (_name, env) => {
    for (const estimate of [reportOf(env).estimate, servedOf(env)]) {
      const servers = lines(estimate, 'SageMaker MLflow tracking server');
      if (env.tracking.server === 'none') {
        expect(servers).toEqual([]);
        continue;
      }
      expect(servers).toEqual([
        expect.objectContaining({
          item: `SageMaker MLflow tracking server (${env.tracking.size})`,
          quantity: HOURS,
          quantityText: `1 × ${HOURS} h`,
        }),
      ]);
      const [server] = servers;
      const price = TABLE.regions[env.region].sagemakerMlflowTrackingServer[env.tracking.size];
      if (price) {
        expect(server.usd).toBeCloseTo(HOURS * price.usd, 6);
        continue;
      }
      // No figure (yet): a missing price that names size and region, never 0.
      expect(server.usd).toBeUndefined();
      expect(server.missing).toContain(`(${env.tracking.size}) in ${env.region}`);
      expect(estimate.missing).toContain(server.missing);
    }
  },
);

test.each(environments)(
  '%s: with a figure for its server in the table, the server is priced',
  (_name, env) => {
    if (env.tracking.server === 'none') return;
    const figure = 0.37; // a stand-in, not a price
    const region = TABLE.regions[env.region];
    const table = {
      ...PRICE_TABLE,
      regions: {
        ...TABLE.regions,
        [env.region]: {
          ...region,
          sagemakerMlflowTrackingServer: {
            ...region.sagemakerMlflowTrackingServer,
            [env.tracking.size]: { usd: figure, unit: 'server-hour', source: 'test', asOf: 'test' },
          },
        },
      },
    };
    // The platform as configured (every model served or not: the server does not depend on it).
    const priced = costReport(assembly, config, { environment: env.name, table, servedAssembly: assembly });
    const [server] = lines(priced.environments[0].estimate, 'SageMaker MLflow tracking server');
    expect(server.missing).toBeUndefined();
    expect(server.usd).toBeCloseTo(HOURS * figure, 9);
    expect(priced.environments[0].estimate.missing.filter((m) => /MLflow/.test(m))).toEqual([]);
  },
);

test.each(environments)('%s: an environment without pins says it serves no endpoint', (_name, env) => {
  const e = reportOf(env);
  expect(e.unservedModels).toEqual(config.models.map((m) => m.name).filter((m) => !env.deployments[m]));
  if (Object.keys(env.deployments).length > 0) return;
  expect(e.estimate.endpointConfigs).toBe(0);
  // No endpoint line of any kind (the tracking server, a SageMaker line too, is no endpoint).
  expect(lines(e.estimate, 'SageMaker endpoint')).toEqual([]);
  expect(lines(e.estimate, 'SageMaker serverless endpoints')).toEqual([]);
  expect(formatCostReport({ ...report, environments: [e] })).toContain('no endpoint served (nothing pinned)');
});

/** The models served on an endpoint when pinned (a batch-served one gets a batch transform instead). */
const onEndpoints = config.models.filter((m) => m.serving.mode !== 'batch');

test.each(environments)('%s: serving every model costs what its serving knobs say', (_name, env) => {
  const served = servedOf(env);
  const endpointInstances = lines(served, 'SageMaker endpoint instances');
  if (env.serving.kind === 'serverless') {
    expect(endpointInstances).toEqual([]);
    expect(lines(served, 'SageMaker serverless endpoints')).toEqual([
      expect.objectContaining({ quantity: onEndpoints.length, usd: 0 }),
    ]);
    return;
  }
  const instances =
    Math.max(env.serving.initialInstanceCount, env.serving.autoscaling.minInstances) * onEndpoints.length;
  const price = TABLE.regions[env.region].sagemakerRealTime[env.serving.instanceType].usd;
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
  '%s: a served instance endpoint has its drift and model-quality checks priced per execution',
  (_name, env) => {
    const checks = servedOf(env).scheduledJobs;
    if (env.serving.kind !== 'instance' || env.serving.dataCapturePercent === 0) {
      expect(checks).toEqual([]);
      return;
    }
    // Every endpoint's drift check; a real-time model's quality check besides (its labelled captures).
    const realTime = onEndpoints.filter((m) => m.serving.mode === 'endpoint');
    const schedules: Array<[RegExp, string, number]> = [
      [/DataQuality\/Schedule$/, env.monitoring.driftSchedule, onEndpoints.length],
      [/ModelQuality\/Schedule$/, env.monitoring.modelQuality.schedule, realTime.length],
    ];
    expect(checks).toHaveLength(onEndpoints.length + realTime.length);
    for (const [path, expression, count] of schedules) {
      const ofKind = checks.filter((c) => path.test(c.schedule));
      expect(ofKind).toHaveLength(count);
      for (const check of ofKind) {
        expect(check.missing).toBeUndefined();
        expect(check.perExecutionUsd).toBeGreaterThan(0);
        expect(check.expression).toBe(expression);
        if (/^cron\(\d+ \* \? \* \* \*\)$/.test(expression)) expect(check.executionsPerMonth).toBe(HOURS);
      }
    }
  },
);

/** `text` as a regular expression that matches it literally. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
