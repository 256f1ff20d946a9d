import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { platformConfig } from '../../config';
import { ModelLayout } from '../../constructs';
import { groundTruthLines, noQualityCheckReason, parseLabels, pushLabels } from '../../lib/ops/ground-truth';

/**
 * SageMaker's documented ground-truth record (Model Monitor, "Ingest Ground Truth labels and merge
 * them with predictions"): `{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata":
 * {"eventId": "aaaa-bbbb-cccc"}, "eventVersion": "0"}`, one a line, uploaded under the ground-truth
 * prefix in the capture's path format (`yyyy/mm/dd/hh/`).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const { models } = platformConfig();
const LABEL_OF: Record<string, [good: string, bad: string]> = {
  binary_classification: ['1', '2'],
  multiclass_classification: ['2', '-1'],
  regression: ['151.5', 'tall'],
};
const source = (model: (typeof models)[number]) => ({
  model: model.name,
  problemType: model.problemType,
  targetColumn: model.targetColumn,
  source: 'labels.csv',
});

describe.each(models.map((m) => [m.name, m] as const))('labels of %s', (_name, model) => {
  const [good, bad] = LABEL_OF[model.problemType];

  test("a CSV of inference_id and the model's target column (or label) becomes SageMaker's ground-truth lines", () => {
    for (const column of [model.targetColumn, 'label']) {
      const labels = parseLabels(`inference_id,${column}\nreq-1,${good}\nreq-2,${good}\n`, source(model));
      expect(
        groundTruthLines(labels)
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual([
        {
          groundTruthData: { data: good, encoding: 'CSV' },
          eventMetadata: { eventId: 'req-1' },
          eventVersion: '0',
        },
        {
          groundTruthData: { data: good, encoding: 'CSV' },
          eventMetadata: { eventId: 'req-2' },
          eventVersion: '0',
        },
      ]);
    }
  });

  test('every problem is one line naming its row, and the file is refused whole', () => {
    const csv = [
      `inference_id,extra,${model.targetColumn}`,
      `req-1,x,${good}`,
      `req-1,x,${good}`, // duplicate
      ` req-3,x,${good}`, // leading space
      `${'a'.repeat(65)},x,${good}`, // too long
      `req-5,x,${bad}`, // wrong type
      `req-6,x`, // short row
    ].join('\n');
    let message = '';
    try {
      parseLabels(csv, source(model));
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('labels.csv: 5 problem(s), nothing was pushed:');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^labels\.csv line 3: inference id req-1 is labelled already on line 2$/),
      expect.stringMatching(/^labels\.csv line 4: inference id " req-3" is not one SageMaker records/),
      expect.stringMatching(/^labels\.csv line 5: inference id "a{65}" is not one SageMaker records/),
      expect.stringMatching(
        new RegExp(
          `^labels\\.csv line 6: ${model.targetColumn} "${bad}" is not a label of ${model.name} \\(${model.problemType}`,
        ),
      ),
      'labels.csv line 7: 2 values under a header of 3',
    ]);
  });

  test('an empty file, a header alone, or a header without the columns is refused', () => {
    expect(() => parseLabels('', source(model))).toThrow(/labels\.csv is empty/);
    expect(() => parseLabels(`inference_id,${model.targetColumn}\n`, source(model))).toThrow(
      /header but no labels/,
    );
    expect(() => parseLabels(`id,score\nr,${good}\n`, source(model))).toThrow(
      new RegExp(`line 1: the header has no inference_id and no ${model.targetColumn} \\(or label\\) column`),
    );
  });
});

describe('pushLabels', () => {
  test("writes one encrypted object in the hour folder of the model's ground-truth prefix, in the monitoring bucket", async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const model = models.find((m) => m.problemType === 'binary_classification') ?? models[0];
    const [good] = LABEL_OF[model.problemType];
    const at = new Date(Date.UTC(2026, 0, 2, 3, 45));
    const result = await pushLabels(new S3Client({}), `inference_id,label\nreq-1,${good}\n`, {
      ...source(model),
      bucket: 'mlenv-dev-monitoring',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/abc',
      at,
    });
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    const prefix = `${new ModelLayout(model.name).groundTruthDir}/2026/01/02/03/`;
    expect(input.Key!.startsWith(prefix)).toBe(true);
    expect(input).toMatchObject({
      Bucket: 'mlenv-dev-monitoring',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/abc',
    });
    expect(JSON.parse(String(input.Body))).toEqual({
      groundTruthData: { data: good, encoding: 'CSV' },
      eventMetadata: { eventId: 'req-1' },
      eventVersion: '0',
    });
    expect(result).toEqual({ labels: 1, s3Uri: `s3://mlenv-dev-monitoring/${input.Key}` });
    s3.restore();
  });

  test('a refused file writes nothing', async () => {
    const s3 = mockClient(S3Client);
    await expect(
      pushLabels(new S3Client({}), 'inference_id,label\n', { ...source(models[0]), bucket: 'b' }),
    ).rejects.toThrow(/no labels/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    s3.restore();
  });
});

describe('where labels are read', () => {
  const { environments } = platformConfig();
  // docs/guide/model-quality.md "Where it runs": instance endpoints that capture, real-time models;
  // serverless endpoints capture nothing, so labels pushed there would never be read.
  test.each(environments.flatMap((e) => models.map((m) => [e.name, m.name, e, m] as const)))(
    '%s / %s: pushing is refused, with a reason, exactly where no check reads the labels',
    (_e, _m, environment, model) => {
      const read =
        environment.serving.kind === 'instance' &&
        environment.serving.dataCapturePercent > 0 &&
        model.serving.mode === 'endpoint' &&
        ((model.problemType === 'binary_classification' &&
          ['auc', 'accuracy', 'precision', 'recall', 'f1'].includes(model.qualityGate.metric)) ||
          (model.problemType === 'multiclass_classification' && model.qualityGate.metric === 'accuracy') ||
          (model.problemType === 'regression' && ['rmse', 'mae', 'r2'].includes(model.qualityGate.metric)));
      const reason = noQualityCheckReason(environment, model);
      if (read) expect(reason).toBeUndefined();
      else expect(reason).toMatch(/\S/);
    },
  );

  test('a serverless environment never reads labels of a real-time model', () => {
    const model = models.find((m) => m.serving.mode === 'endpoint')!;
    const reason = noQualityCheckReason(
      { name: 'x', serving: { kind: 'serverless', dataCapturePercent: 0 } },
      model,
    );
    expect(reason).toContain('serverless');
  });
});

describe('inference ids', () => {
  // botocore sagemaker-runtime InferenceId: min 1, max 64, pattern `\A\S[\p{Print}]*\z`, where Java's
  // \p{Print} is printable ASCII: ids SageMaker would refuse at InvokeEndpoint can never be joined.
  const model = models[0];
  const push = (id: string) => () =>
    parseLabels(`inference_id,label\n${id},${LABEL_OF[model.problemType][0]}\n`, source(model));
  test.each(['a\u00e9', 'ab\u202ecd', '\u202eabc', 'id\u0007'])('%j is refused', (id) => {
    expect(push(id)).toThrow(/is not one SageMaker records/);
  });
  test.each(['a/../b', '../etc', 'order 12', 'x'.repeat(64)])(
    '%j is accepted (it never becomes a key)',
    (id) => {
      expect(push(id)()).toEqual([{ inferenceId: id, label: LABEL_OF[model.problemType][0] }]);
    },
  );
});
