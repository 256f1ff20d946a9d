import { MLFLOW_SERVER_SIZES, type MlflowServerSize, MlflowTrackingServer } from '../../constructs';
import { estimateEnvironment } from '../../lib/tools/cost/estimate';
import type { ListPrice, PriceTable } from '../../lib/tools/pricing/price-table';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { formatCostReport } from '../../lib/tools/cost/report';
import { oneEnvironmentReport } from '../support/one-environment-report';
import type { CfnTemplate } from '../../cfn/cfn-template';
import { DATA_TEST_REGION, dataStack } from '../support/data-stack';

const REGION = DATA_TEST_REGION;
const HOURS = PRICE_TABLE.hoursPerMonth;
const PRICING_PAGE = 'https://aws.amazon.com/sagemaker/pricing/';

/** A data store and one MLflow tracking server of `size`, as the construct synthesizes them. */
function serverTemplate(size: MlflowServerSize): CfnTemplate {
  const { app, stack, dataStore } = dataStack();
  new MlflowTrackingServer(stack, 'Tracking', { trackingServerName: 'acme-dev-mlflow', dataStore, size });
  return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
}

const estimate = (template: CfnTemplate, table: PriceTable = PRICE_TABLE) =>
  estimateEnvironment({ name: 'test', region: REGION, stacks: { Training: template } }, table);

const serverLines = (result: ReturnType<typeof estimate>) =>
  result.idle.filter((l) => l.item.startsWith('SageMaker MLflow tracking server'));

/**
 * The checked-in table with a stand-in hourly figure for servers of `size` in the test region: not
 * a price (none has been read from the pricing page), only a number to multiply by.
 */
function tableWith(size: MlflowServerSize, usd: number): PriceTable {
  const price: ListPrice = { usd, unit: 'server-hour', source: PRICING_PAGE, asOf: 'test' };
  const region = PRICE_TABLE.regions[REGION];
  return {
    ...PRICE_TABLE,
    regions: {
      ...PRICE_TABLE.regions,
      [REGION]: {
        ...region,
        sagemakerMlflowTrackingServer: { ...region.sagemakerMlflowTrackingServer, [size]: price },
      },
    },
  };
}

describe.each(MLFLOW_SERVER_SIZES)('a %s tracking server', (size) => {
  const template = serverTemplate(size);
  const serverId = Object.entries(template.Resources ?? {}).find(
    ([, r]) => r.Type === 'AWS::SageMaker::MlflowTrackingServer',
  )![0];

  test("is an idle line of the month's hours, named by its size; its price is missing, never 0", () => {
    // The checked-in table has no figure for it (none has been read from the pricing page).
    expect(PRICE_TABLE.regions[REGION].sagemakerMlflowTrackingServer[size]).toBeUndefined();
    const result = estimate(template);
    const lines = serverLines(result);
    expect(lines).toEqual([
      expect.objectContaining({
        item: `SageMaker MLflow tracking server (${size})`,
        resources: [`Training/${serverId}`],
        quantity: HOURS,
        quantityText: `1 × ${HOURS} h`,
      }),
    ]);
    expect(lines[0].usd).toBeUndefined();
    expect(lines[0].price).toBeUndefined();
    // Its own missing price, and no other: the construct's role and policy are free while idle.
    expect(result.missing).toEqual([lines[0].missing]);
  });

  test('the missing price names size, region, where to read it and where to add it', () => {
    const [line] = serverLines(estimate(template));
    expect(line.missing).toContain(`(${size}) in ${REGION}`);
    expect(line.missing).toContain(PRICING_PAGE);
    expect(line.missing).toContain('MLflow');
    expect(line.missing).toContain(
      `lib/tools/cost/prices.ts (sagemakerMlflowTrackingServer: mlflowServers({ ${size}: `,
    );
  });

  test('with a figure in the table, the line is priced: hours × the figure', () => {
    const figure = 0.37; // a stand-in, not a price
    const result = estimate(template, tableWith(size, figure));
    const [line] = serverLines(result);
    expect(line.missing).toBeUndefined();
    expect(line.price).toMatchObject({ usd: figure, unit: 'server-hour' });
    expect(line.usd).toBeCloseTo(HOURS * figure, 9);
    expect(result.missing).toEqual([]);
    // A figure for another size prices nothing here.
    const other = MLFLOW_SERVER_SIZES.find((s) => s !== size)!;
    expect(serverLines(estimate(template, tableWith(other, figure)))[0].usd).toBeUndefined();
  });
});

test('a missing server price is shown as such in the report, the totals as lower bounds', () => {
  const result = estimate(serverTemplate('Medium'));
  const report = oneEnvironmentReport(result, REGION);
  const text = formatCostReport(report);
  expect(text).toMatch(
    new RegExp(`SageMaker MLflow tracking server \\(Medium\\) +1 × ${HOURS} h +MISSING PRICE +\\?`),
  );
  expect(text).toMatch(/idle total +at least \$\d+\.\d\d\n/);
  expect(text).toContain('1 missing price: the totals they touch are lower bounds');
  expect(text).toContain(`no hourly price for a SageMaker MLflow tracking server (Medium) in ${REGION}`);
});

/** A hand-written tracking server with these properties. */
const handWritten = (properties: Record<string, unknown>): CfnTemplate => ({
  Resources: { Server: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: properties } },
});

test("servers of one size share a line; a server without a size is CloudFormation's Small", () => {
  const template: CfnTemplate = {
    Resources: {
      A: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: { TrackingServerSize: 'Small' } },
      B: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: {} },
      C: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: { TrackingServerSize: 'Large' } },
    },
  };
  const lines = serverLines(estimate(template, tableWith('Small', 0.37)));
  expect(lines).toEqual([
    expect.objectContaining({
      item: 'SageMaker MLflow tracking server (Small)',
      resources: ['Training/A', 'Training/B'],
      quantity: 2 * HOURS,
      quantityText: `2 × ${HOURS} h`,
    }),
    expect.objectContaining({ item: 'SageMaker MLflow tracking server (Large)', quantity: HOURS }),
  ]);
  expect(lines[0].usd).toBeCloseTo(2 * HOURS * 0.37, 9);
  expect(lines[1].missing).toContain('(Large)');
});

test('a server whose size is not written in the template says why it is not priced', () => {
  const result = estimate(handWritten({ TrackingServerSize: { Ref: 'Size' } }));
  expect(serverLines(result)).toEqual([
    expect.objectContaining({ item: 'SageMaker MLflow tracking server', quantityText: '?' }),
  ]);
  expect(result.missing).toEqual([
    'Training/Server: its size (TrackingServerSize) is not written in the template, so its hourly price cannot be looked up',
  ]);
});
