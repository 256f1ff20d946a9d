import { ConfigError, EMULATED_ENVIRONMENTS, loadConfig } from '../../config';
import { configInput } from '../support/config-fixtures';

type Input = ReturnType<typeof configInput> & { delivery: Record<string, any>; promotion: string[] };

const input = (): Input => configInput() as Input;
function problems(config: unknown, context?: Record<string, unknown>): readonly string[] {
  try {
    loadConfig(config, { context });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
/** The environments a pipeline may deliver to: in the cloud, and in the tooling region (`delivery.region`). */
const cloudEnvironments = Object.entries(input().environments)
  .filter(([name, env]) => !EMULATED_ENVIRONMENTS.includes(name) && env.region === input().delivery.region)
  .map(([name]) => name);

test('the committed delivery section is valid, and without an order it follows the promotion order', () => {
  const config = input();
  expect(problems(config)).toEqual([]);
  delete config.delivery.order;
  expect(loadConfig(config).delivery!.order).toEqual(config.promotion);
});

test('the delivery section may be left out: no pipeline', () => {
  const config = input();
  delete (config as Partial<Input>).delivery;
  expect(loadConfig(config).delivery).toBeUndefined();
});

test.each(EMULATED_ENVIRONMENTS)('%s is never delivered to', (emulated) => {
  const config = input();
  config.delivery.order = [...cloudEnvironments, emulated];
  expect(problems(config)).toEqual([
    `delivery.order.${cloudEnvironments.length}: '${emulated}' runs in an emulator on a laptop: no pipeline deploys it`,
  ]);
});

test('unknown, repeated and empty orders are refused, naming the field', () => {
  const config = input();
  config.delivery.order = [cloudEnvironments[0], 'nowhere', cloudEnvironments[0]];
  config.delivery.manualApproval = config.delivery.manualApproval.filter((e: string) => e !== 'prod');
  expect(problems(config)).toEqual([
    expect.stringMatching(/^delivery\.order\.1: 'nowhere' is not an environment/),
    `delivery.order.2: '${cloudEnvironments[0]}' is listed twice`,
  ]);
  config.delivery.order = [];
  expect(problems(config)).toEqual(['delivery.order: must name at least one environment to deliver to']);
});

test('prod, when delivered, always waits for a person; approvals name delivered environments', () => {
  const config = input();
  config.delivery.order = cloudEnvironments;
  config.delivery.manualApproval = [];
  expect(problems(config)).toEqual([
    'delivery.manualApproval: must include prod: a person approves every production deploy',
  ]);
  config.delivery.manualApproval = ['prod', 'elsewhere'];
  expect(problems(config)).toEqual([
    expect.stringMatching(/^delivery\.manualApproval\.1: 'elsewhere' is not in the delivery order/),
  ]);
});

test("the connection must be the tooling account's, in its region; context overrides account and connection", () => {
  const config = input();
  const { account, region } = config.delivery;
  const other = account === '999999999999' ? '888888888888' : '999999999999';
  const connection = (acct: string, reg: string) =>
    `arn:aws:codeconnections:${reg}:${acct}:connection/11111111-2222-4333-8444-555555555555`;
  config.delivery.source.connectionArn = connection(other, region);
  expect(problems(config)).toEqual([
    expect.stringMatching(
      /^delivery\.source\.connectionArn: is a connection of \d{12} in [a-z0-9-]+; the pipeline runs in/,
    ),
  ]);
  const overridden = loadConfig(config, {
    context: { 'mlenv:delivery:account': other, 'mlenv:delivery:connectionArn': connection(other, region) },
  }).delivery!;
  expect([overridden.account, overridden.source.connectionArn]).toEqual([other, connection(other, region)]);
  expect(problems(input(), { 'mlenv:delivery:account': 'not-an-account' })).toEqual([
    'delivery.account: must be a 12-digit AWS account id',
    expect.stringMatching(/^delivery\.source\.connectionArn: is a connection of/),
  ]);
});

test('malformed source fields are refused with what is expected', () => {
  const config = input();
  config.delivery.source = {
    connectionArn: 'arn:aws:s3:::bucket',
    repository: 'no-owner',
    branch: 'bad..branch',
  };
  config.delivery.notificationEmails = ['not-an-email'];
  expect(problems(config)).toEqual([
    expect.stringMatching(/^delivery\.source\.connectionArn: must be a CodeConnections connection ARN/),
    'delivery.source.repository: must be owner/name, e.g. acme/ml-platform',
    'delivery.source.branch: must be a branch name such as main',
    'delivery.notificationEmails.0: must be an e-mail address',
  ]);
});

test('the context cannot override a delivery section that does not exist', () => {
  const config = input();
  delete (config as Partial<Input>).delivery;
  expect(problems(config, { 'mlenv:delivery:account': '123456789012' })).toEqual([
    'context mlenv:delivery:account: the configuration has no delivery section',
  ]);
});

test('every delivered environment must be in the tooling region, naming the environment and both regions', () => {
  const config = input();
  const [first] = config.delivery.order as string[];
  const region = config.environments[first].region as string;
  config.delivery.region = region === 'us-west-2' ? 'eu-central-1' : 'us-west-2';
  config.delivery.source.connectionArn = config.delivery.source.connectionArn.replace(
    region,
    config.delivery.region,
  );
  const problems_ = problems(config);
  expect(problems_).toContain(
    `delivery.order.0: '${first}' is in ${region}, the pipeline in ${config.delivery.region}: deliver only to environments in the tooling region (cross-region delivery is not supported yet)`,
  );
});
