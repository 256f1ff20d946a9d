import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetLayout } from '../../constructs/common/dataset-layout';
import { pascalCase } from '../../cfn/pascal-case';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { targetInput, transform } from '../../lib/local/event-bus';
import { resolveIntrinsics } from '../../cfn/template-intrinsics';
import { platformAssembly } from '../support/platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts

// Cases from EventBridge's documentation of input transformation: a placeholder inside a JSON
// string is replaced by the value's text, elsewhere by its JSON.
const event = {
  'detail-type': 'SageMaker Processing Job State Change',
  source: 'aws.sagemaker',
  detail: {
    ProcessingJobName: 'model-monitoring-2026113017-0a1b2c3d',
    ExitMessage: 'CompletedWithViolations: Job completed successfully with 3 violations.',
    count: 3,
    object: { 'version-id': 'v"1' },
  },
};

describe('EventBridge target input, as the local environment renders it', () => {
  test('placeholders outside a string become JSON values; inside a string, text', () => {
    const rendered = transform(
      {
        InputPathsMap: {
          job: '$.detail.ProcessingJobName',
          count: '$.detail.count',
          version: '$.detail.object.version-id',
        },
        InputTemplate:
          '{"check":<job>,"n":<count>,"uri":"s3://b/<job>/x","v":<version>,"text":"v=<version>"}',
      },
      event,
    );
    expect(JSON.parse(rendered)).toEqual({
      check: 'model-monitoring-2026113017-0a1b2c3d',
      n: 3,
      uri: 's3://b/model-monitoring-2026113017-0a1b2c3d/x',
      v: 'v"1',
      text: 'v=v"1',
    });
  });

  test('a path to nothing is null; text that is not a placeholder stays', () => {
    expect(
      JSON.parse(
        transform(
          { InputPathsMap: { gone: '$.detail.nothing' }, InputTemplate: '{"a":<gone>,"b":"<other>"}' },
          event,
        ),
      ),
    ).toEqual({ a: null, b: '<other>' });
  });

  test('Input is sent as given, InputPath selects, and with neither the whole event goes', () => {
    expect(targetInput({ Input: '{"fixed":true}' }, event)).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput({ InputPath: '$.detail.count' }, event))).toBe(3);
    expect(JSON.parse(targetInput({}, event))).toEqual(event);
  });
});

describe("the NewData rule, matched by the emulator's EventBridge (TestEventPattern)", () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-event-bus-'));
  const { assembly, config } = platformAssembly();
  const env = config.environments[0];
  const model = config.models[0].name;
  const raw = `${config.project}-${env.name}-${env.account}-${env.region}-raw`;
  let events: EventBridgeClient;

  beforeAll(async () => {
    const emulator = await startEmulator({ stateDir });
    events = new EventBridgeClient(emulatorClientConfig(emulator.port, env.region));
  });
  afterAll(async () => {
    await stopEmulator({ stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The rendered pattern of the model's NewData rule in the first environment. */
  function newDataPattern(): string {
    const stack = assembly.stacksRecursively.find(
      (s) => s.hierarchicalId === `${env.stageId}/${pascalCase(model)}Model`,
    )!;
    const rules = Object.entries(stack.template.Resources as Record<string, any>).filter(
      ([id, r]) => r.Type === 'AWS::Events::Rule' && id.includes('NewData'),
    );
    // One rule starts the model's training (its data pipeline's, where it has one) on new data.
    expect(rules).toHaveLength(1);
    const [, rule] = rules.find(([, r]) => JSON.stringify(r.Properties.EventPattern).includes(`"${model}/`))!;
    return JSON.stringify(resolveIntrinsics(rule.Properties.EventPattern, stack, assembly));
  }

  /** An S3 "Object Created" event, as S3 sends it to EventBridge. */
  const created = (bucket: string, key: string) =>
    JSON.stringify({
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: env.account,
      time: '2026-11-30T10:00:00Z',
      region: env.region,
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: '0',
        bucket: { name: bucket },
        object: {
          key,
          size: 120,
          etag: 'b1946ac92492d2347c6235b4d2611184',
          'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
          sequencer: '00617F08299329D189',
        },
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: env.account,
        reason: 'PutObject',
      },
    });

  test.each([
    ["the model's latest.json", raw, DatasetLayout.latestKey(model), true],
    ["a version's CSV file", raw, `${DatasetLayout.versionDir(model, '4f0c2d8e1b7a9c35')}/data.csv`, false],
    ["a version's manifest", raw, DatasetLayout.manifestKey(model, '4f0c2d8e1b7a9c35'), false],
    ['a CSV file beside the versions', raw, `${model}/data.csv`, false],
    ["another dataset's latest.json", raw, DatasetLayout.latestKey(`${model}x`), false],
    ['latest.json of another bucket', `${raw}-copy`, DatasetLayout.latestKey(model), false],
  ])('%s in %s (%s): starts training: %s', async (_what, bucket, key, matches) => {
    const { Result } = await events.send(
      new TestEventPatternCommand({ EventPattern: newDataPattern(), Event: created(bucket, key) }),
    );
    expect(Result).toBe(matches);
  });
});
