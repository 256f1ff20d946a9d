import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { environments } from '../../config/environments';
import { loadConfig } from '../../config';
import { isRunString, ModelLayout } from '../../constructs';
import { batchModelProblem, predictionsPrefix, pushBatch, readBatchInput } from '../../lib/ops/batch-runs';

/** `mlenv batch run`'s work: what --input may name, the one line for what it may not, and a push. */
const config = loadConfig(environments);
const BUCKETS = {
  raw: 'mlenv-dev-111111111111-eu-west-1-raw',
  curated: 'mlenv-dev-111111111111-eu-west-1-curated',
};
const batchServed = config.models.filter((m) => m.serving.mode === 'batch');
const endpointServed = config.models.filter((m) => m.serving.mode !== 'batch');

const folder = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-batch-input-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
};

test.each(batchServed.map((m) => [m.name]))(
  '%s: a pushed batch is named by its prefix or its id',
  (model) => {
    const layout = new ModelLayout(model);
    expect(readBatchInput(`s3://${BUCKETS.raw}/${layout.batchInputDir('b1')}/`, model, BUCKETS)).toEqual({
      kind: 'pushed',
      batchId: 'b1',
    });
    expect(readBatchInput('2026-12-01', model, BUCKETS)).toEqual({ kind: 'pushed', batchId: '2026-12-01' });
  },
);

test.each(batchServed.map((m) => [m.name]))(
  '%s: a prefix outside its own batch inputs is refused in one line',
  (model) => {
    const layout = new ModelLayout(model);
    for (const input of [
      `s3://${BUCKETS.raw}/${layout.datasetPrefix}versions/v1/`, // its training data
      `s3://${BUCKETS.raw}/other/batches/b1/input/`, // another model's
      `s3://another-bucket/${layout.batchInputDir('b1')}/`,
      `s3://${BUCKETS.raw}/${layout.batchInputDir('..')}/`,
      `s3://${BUCKETS.raw}/${layout.batchesPrefix}b1/../../x/input/`,
      `s3://${BUCKETS.raw}/${layout.batchInputDir('b1')}/sub/`,
    ]) {
      expect(() => readBatchInput(input, model, BUCKETS)).toThrow(
        /^--input .* is not a batch of .*: give s3:\/\//,
      );
    }
    expect(() => readBatchInput('../x', model, BUCKETS)).toThrow(/is neither a local folder/);
    expect(() => readBatchInput('latest', model, BUCKETS)).toThrow(/is neither a local folder/);
  },
);

test('a local folder gives its CSV files; one without any is refused', () => {
  const input = readBatchInput(
    folder({ 'a.csv': '1,2\n', 'b.csv': '3,4\n', 'notes.txt': 'x' }),
    'diabetes',
    BUCKETS,
  );
  expect(input.kind === 'local' && input.files.map((f) => f.name)).toEqual(['a.csv', 'b.csv']);
  expect(() => readBatchInput(folder({ 'notes.txt': 'x' }), 'diabetes', BUCKETS)).toThrow(
    /has no \.csv file/,
  );
});

test('only a batch-served model, with a batch transform deployed, can be run; each refusal says why', () => {
  for (const model of endpointServed) {
    expect(
      batchModelProblem('dev', { name: model.name, mode: model.serving.mode, batchArn: undefined }),
    ).toMatch(new RegExp(`^${model.name} is not served in batch`));
  }
  for (const model of batchServed) {
    expect(batchModelProblem('dev', { name: model.name, mode: 'batch' })).toMatch(/deployments\/dev\.json/);
    expect(batchModelProblem('dev', { name: model.name, mode: 'batch', batchArn: 'arn' })).toBeUndefined();
  }
});

test("a push writes each file under the batch's input, then (asked to) latest.json naming it", async () => {
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).resolves({});
  const files = [
    { name: 'a.csv', body: Buffer.from('1,2\n') },
    { name: 'b.csv', body: Buffer.from('3,4\n') },
  ];
  const batchId = await pushBatch(s3 as unknown as S3Client, BUCKETS.raw, 'diabetes', files, {
    pointer: true,
  });
  expect(isRunString('name', batchId)).toBe(true);
  const layout = new ModelLayout('diabetes');
  const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
  expect(keys).toEqual([
    `${layout.batchInputDir(batchId)}/a.csv`,
    `${layout.batchInputDir(batchId)}/b.csv`,
    layout.latestBatchKey, // last: a batch is complete when it is named
  ]);
  expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[2].args[0].input.Body))).toEqual({ batchId });
  expect(predictionsPrefix(BUCKETS, 'diabetes', batchId)).toBe(
    `s3://${BUCKETS.curated}/${layout.batchPredictionsDir(batchId)}/`,
  );
});
