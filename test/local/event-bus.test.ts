import { targetInput, transform } from '../../lib/local/event-bus';

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
