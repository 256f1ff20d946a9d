import { asList, asObject } from '../../../cfn/json-values';
import { count, costLine, type CostLine, unpricedLine } from '../pricing/cost-line';
import type { RegionPriceList } from '../pricing/price-table';
import type { TemplateResource } from '../pricing/template-resources';

/** The resource types this file prices (apart from endpoints, jobs and schedules). */
export const IDLE_TYPES = [
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::NatGateway',
  'AWS::KMS::Key',
  'AWS::CloudWatch::Dashboard',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::Logs::LogGroup',
  'AWS::Budgets::Budget',
  'AWS::S3::Bucket',
  'AWS::SSM::Parameter',
  'AWS::SNS::Topic',
  'AWS::Glue::Database',
  'AWS::SageMaker::MlflowTrackingServer',
  'AWS::CodeArtifact::Domain',
] as const;

/** CloudFormation's size of a tracking server that does not set `TrackingServerSize`. */
const DEFAULT_TRACKING_SERVER_SIZE = 'Small';

/**
 * What the environment's other resources cost in a month while nothing runs: VPC interface
 * endpoints per AZ-hour, NAT gateways per hour, keys, dashboards, alarms (per metric), budgets;
 * log groups and buckets are listed with the 0 GB they store while idle, parameters and topics
 * with their (free) idle price, Glue databases as the Data Catalog objects they are, MLflow
 * tracking servers per hour of their size (billed while they exist, used or not), CodeArtifact
 * domains with the packages they store (none until a build fetches its lock's wheels from PyPI;
 * then each wheel once per domain, kept).
 */
export function idleResourceLines(
  resources: readonly TemplateResource[],
  prices: RegionPriceList,
  hoursPerMonth: number,
): CostLine[] {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const paths = (list: readonly TemplateResource[]) => list.map((r) => r.path);
  const lines: CostLine[] = [];
  const add = (
    list: readonly TemplateResource[],
    line: Omit<CostLine, 'price' | 'usd' | 'missing' | 'resources'>,
    lookup: Parameters<typeof costLine>[1],
  ) => {
    if (list.length > 0) lines.push(costLine({ ...line, resources: paths(list) }, lookup));
  };
  /** One line of `list` priced per resource. */
  const each = (list: readonly TemplateResource[], item: string, lookup: Parameters<typeof costLine>[1]) =>
    add(list, { item, quantity: list.length, quantityText: String(list.length) }, lookup);

  // VPC endpoints: interface endpoints per AZ (one subnet each) and hour; gateway endpoints free.
  const endpoints = ofType('AWS::EC2::VPCEndpoint');
  const interfaces = endpoints.filter((e) => e.properties.VpcEndpointType === 'Interface');
  const gateways = endpoints.filter((e) => (e.properties.VpcEndpointType ?? 'Gateway') === 'Gateway');
  const unknownKind = endpoints.filter((e) => !interfaces.includes(e) && !gateways.includes(e));
  const unreadable = interfaces.filter((e) => !Array.isArray(e.properties.SubnetIds));
  const readable = interfaces.filter((e) => !unreadable.includes(e));
  const azs = readable.map((e) => asList(e.properties.SubnetIds).length);
  const endpointAzs = azs.reduce((sum, n) => sum + n, 0);
  add(
    readable,
    {
      item: 'VPC interface endpoints',
      quantity: endpointAzs * hoursPerMonth,
      quantityText: azs.every((n) => n === azs[0])
        ? `${readable.length} × ${count(azs[0], 'AZ')} × ${hoursPerMonth} h`
        : `${endpointAzs} endpoint-AZs × ${hoursPerMonth} h`,
    },
    prices.get('interfaceEndpoint'),
  );
  for (const [list, why] of [
    [unreadable, 'its subnets (AZs) are not a list in the template'],
    [unknownKind, 'its endpoint type is neither Interface nor Gateway'],
  ] as const) {
    for (const endpoint of list) {
      lines.push(
        unpricedLine('VPC endpoint', endpoint.path, `${endpoint.path}: ${why}, so it cannot be priced`),
      );
    }
  }
  each(gateways, 'VPC gateway endpoints', prices.get('gatewayEndpoint'));

  const nat = ofType('AWS::EC2::NatGateway');
  add(
    nat,
    {
      item: 'NAT gateways',
      quantity: nat.length * hoursPerMonth,
      quantityText: `${nat.length} × ${hoursPerMonth} h`,
    },
    prices.get('natGateway'),
  );

  const keys = ofType('AWS::KMS::Key');
  each(keys, 'KMS keys', prices.get('kmsKey'));

  const dashboards = ofType('AWS::CloudWatch::Dashboard');
  each(dashboards, 'CloudWatch dashboards', prices.get('dashboard'));

  const alarms = ofType('AWS::CloudWatch::Alarm').map((alarm) => ({ alarm, ...alarmMetrics(alarm) }));
  for (const highResolution of [false, true]) {
    const group = alarms.filter((a) => a.highResolution === highResolution);
    const metrics = group.reduce((sum, a) => sum + a.metrics, 0);
    add(
      group.map((a) => a.alarm),
      {
        item: highResolution ? 'CloudWatch alarms (high resolution)' : 'CloudWatch alarms',
        quantity: metrics,
        quantityText:
          metrics === group.length
            ? count(group.length, 'alarm')
            : `${count(group.length, 'alarm')}, ${metrics} metrics`,
      },
      prices.get(highResolution ? 'highResolutionAlarmMetric' : 'alarmMetric'),
    );
  }

  const composites = ofType('AWS::CloudWatch::CompositeAlarm');
  add(
    composites,
    {
      item: 'CloudWatch composite alarms',
      quantity: composites.length,
      quantityText: String(composites.length),
    },
    prices.get('compositeAlarm'),
  );

  const budgets = ofType('AWS::Budgets::Budget');
  const days = hoursPerMonth / 24;
  add(
    budgets,
    {
      item: 'AWS Budgets budgets',
      quantity: budgets.length * days,
      quantityText: `${budgets.length} × ${days.toFixed(1)} days`,
    },
    prices.get('budget'),
  );

  const logGroups = ofType('AWS::Logs::LogGroup');
  add(
    logGroups,
    {
      item: 'CloudWatch Logs stored data',
      quantity: 0,
      quantityText: `${count(logGroups.length, 'log group')}, 0 GB`,
    },
    prices.get('logStorage'),
  );

  const buckets = ofType('AWS::S3::Bucket');
  add(
    buckets,
    { item: 'S3 stored data', quantity: 0, quantityText: `${count(buckets.length, 'bucket')}, 0 GB` },
    prices.get('s3Standard'),
  );

  const parameters = ofType('AWS::SSM::Parameter');
  const advanced = parameters.filter((p) => p.properties.Tier === 'Advanced');
  const standard = parameters.filter((p) => p.properties.Tier !== 'Advanced');
  each(standard, 'SSM parameters (standard)', prices.get('ssmStandardParameter'));
  each(advanced, 'SSM parameters (advanced)', prices.get('ssmAdvancedParameter'));

  const topics = ofType('AWS::SNS::Topic');
  each(topics, 'SNS topics', prices.get('snsTopicIdle'));

  // The Data Catalog bills the objects it stores: of those, the templates hold the databases (the
  // tables and partitions in them are made by runs, like the objects in a bucket).
  const databases = ofType('AWS::Glue::Database');
  add(
    databases,
    {
      item: 'Glue Data Catalog objects',
      quantity: databases.length,
      quantityText: count(databases.length, 'database'),
    },
    prices.get('glueCatalogObject'),
  );

  const domains = ofType('AWS::CodeArtifact::Domain');
  add(
    domains,
    {
      item: 'CodeArtifact stored packages',
      quantity: 0,
      quantityText: `${count(domains.length, 'domain')}, 0 GB until a build fetches its lock's wheels`,
    },
    prices.codeartifact('storage'),
  );

  // A managed MLflow tracking server bills each hour it exists at its size's price (its artifacts
  // are in a bucket, priced above): one line per size.
  const servers = ofType('AWS::SageMaker::MlflowTrackingServer');
  const sizeOf = (server: TemplateResource) =>
    server.properties.TrackingServerSize ?? DEFAULT_TRACKING_SERVER_SIZE;
  for (const server of servers.filter((s) => typeof sizeOf(s) !== 'string')) {
    lines.push(
      unpricedLine(
        'SageMaker MLflow tracking server',
        server.path,
        `${server.path}: its size (TrackingServerSize) is not written in the template, so its hourly price cannot be looked up`,
      ),
    );
  }
  const sized = servers.filter((s) => typeof sizeOf(s) === 'string');
  for (const size of [...new Set(sized.map((s) => sizeOf(s) as string))]) {
    const ofSize = sized.filter((s) => sizeOf(s) === size);
    add(
      ofSize,
      {
        item: `SageMaker MLflow tracking server (${size})`,
        quantity: ofSize.length * hoursPerMonth,
        quantityText: `${ofSize.length} × ${hoursPerMonth} h`,
      },
      prices.mlflowTrackingServer(size),
    );
  }
  return lines;
}

/**
 * How many metrics an alarm is billed for (one, or each metric a metric-math alarm reads), and
 * whether it is high resolution (a period under 60 s).
 */
function alarmMetrics(alarm: TemplateResource): { metrics: number; highResolution: boolean } {
  const { Metrics: queries, Period: period } = alarm.properties;
  if (!Array.isArray(queries)) {
    return { metrics: 1, highResolution: typeof period === 'number' && period < 60 };
  }
  const stats = queries.flatMap((q) => {
    const stat = asObject(asObject(q)?.MetricStat);
    return stat ? [stat] : [];
  });
  return {
    metrics: Math.max(1, stats.length),
    highResolution: stats.some((s) => typeof s.Period === 'number' && s.Period < 60),
  };
}
