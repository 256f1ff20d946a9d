import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { ModelLayout } from '../../constructs';
import { startEmulator, stopEmulator } from '../../lib/local/emulator';
import { emulatorClientConfig } from '../../lib/local/emulator-env';
import { pushLabels } from '../../lib/ops/ground-truth';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see bin/mlenv.ts
const stateDir = mkdtempSync(join(tmpdir(), 'mlenv-ground-truth-'));
const bucket = 'mlenv-test-monitoring';
let s3: S3Client;

beforeAll(async () => {
  const emulator = await startEmulator({ stateDir });
  s3 = new S3Client(emulatorClientConfig(emulator.port, 'us-east-1'));
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await stopEmulator({ stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('mlenv data labels push, against the emulator', () => {
  test.each(platformConfig().models.map((m) => [m.name, m] as const))(
    '%s: the labels are in S3 as SageMaker ground truth, in the hour folder, and a push a minute later sorts after it',
    async (_name, model) => {
      const label = model.problemType === 'regression' ? '42.5' : '1';
      const csv = `inference_id,${model.targetColumn}\nsmoke-1,${label}\nsmoke-2,${label}\n`;
      const at = new Date(Date.UTC(2026, 11, 8, 1, 5));
      const options = {
        model: model.name,
        problemType: model.problemType,
        targetColumn: model.targetColumn,
        source: 'l.csv',
        bucket,
        at,
      };
      const first = await pushLabels(s3, csv, options);
      const again = await pushLabels(s3, csv, { ...options, at: new Date(at.getTime() + 60_000) });
      const prefix = `${new ModelLayout(model.name).groundTruthDir}/2026/12/08/01/`;
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(
        [first, again].map((pushed) => pushed.s3Uri.replace(`s3://${bucket}/`, '')),
      );
      const body = await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: listed.Contents![0].Key }))
      ).Body!.transformToString();
      expect(
        body
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual(
        ['smoke-1', 'smoke-2'].map((id) => ({
          groundTruthData: { data: label, encoding: 'CSV' },
          eventMetadata: { eventId: id },
          eventVersion: '0',
        })),
      );
    },
  );
});
