import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerRoot } from '../../../lib/jobs/container-root';
import { MemoryObjectStore } from '../../../lib/ops/memory-object-store';
import { extractMetrics } from '../../../lib/jobs/metrics';
import { tail } from '../../../lib/jobs/run-process';
import { ClientError, downloadPrefix, filesUnder } from '../../../lib/jobs/transfer';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlenv-jobs-parts-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('downloading an S3Prefix input', () => {
  const store = new MemoryObjectStore();
  beforeAll(async () => {
    for (const key of ['runs/1/train/train.csv', 'runs/1/train_old/x.csv', 'runs/1/model.tar.gz']) {
      await store.put(`s3://b/${key}`, key);
    }
  });

  test.each([
    ['a folder (trailing /): its objects', 's3://b/runs/1/train/', ['train.csv']],
    [
      'a prefix: objects at their keys from its last /',
      's3://b/runs/1/train',
      ['train/train.csv', 'train_old/x.csv'],
    ],
    ['a whole key: the file', 's3://b/runs/1/model.tar.gz', ['model.tar.gz']],
  ])('%s', async (_case, uri, files) => {
    const dir = tempDir();
    await downloadPrefix(store, uri, dir);
    expect(filesUnder(dir)).toEqual(files);
  });

  test('nothing under the prefix is a ClientError, as SageMaker fails the job', async () => {
    await expect(downloadPrefix(store, 's3://b/runs/2/', tempDir())).rejects.toThrow(
      new ClientError('No S3 objects found under S3 URL "s3://b/runs/2/"'),
    );
  });
});

describe('the container root', () => {
  const root = new ContainerRoot('/tmp/job-1');

  test('maps /opt/ml paths, and only whole ones', () => {
    expect(root.hostPath('/opt/ml/model')).toBe('/tmp/job-1/opt/ml/model');
    expect(root.rewrite("set -e; cd /opt/ml/processing/input/code; tar -xzf 'a.gz'")).toBe(
      "set -e; cd /tmp/job-1/opt/ml/processing/input/code; tar -xzf 'a.gz'",
    );
    expect(root.rewrite("'/opt/ml' --x=/opt/ml/a /opt/mlx /tmp/opt/ml")).toBe(
      "'/tmp/job-1/opt/ml' --x=/tmp/job-1/opt/ml/a /opt/mlx /tmp/opt/ml",
    );
  });

  test('takes only plain paths, which the entrypoint can use unquoted', () => {
    expect(() => new ContainerRoot("/tmp/it's")).toThrow('A job directory must be a plain path');
  });
});

test('metrics: the first capture group of each line that matches, the last one wins', () => {
  const at = new Date(0);
  const log = 'metric auc=0.5\nnoise\nmetric auc=0.7\nmetric acc=NaN\n';
  expect(
    extractMetrics(
      log,
      [
        { Name: 'auc', Regex: 'metric auc=([0-9.]+)' },
        { Name: 'acc', Regex: 'metric acc=([0-9.]+)' },
      ],
      at,
    ),
  ).toEqual([{ MetricName: 'auc', Value: 0.7, Timestamp: at }]);
});

test('a failure reason is the tail of stderr', () => {
  expect(tail('a\n\nb\nc\n', 2)).toBe('b\nc');
});
