import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from '../../config/repo-root';
import { taskIntegration } from '../../lib/tools/integrations/kinds';
import { PRICE_TABLE } from '../../lib/tools/cost/prices';
import { RegionPriceList } from '../../lib/tools/pricing/price-table';

/**
 * The transform-job kind against botocore's SageMaker model (the project's venv): the request a
 * batch transform sends is a CreateTransformJobRequest, the sample answer a
 * DescribeTransformJobResponse with its required members; one run is priced as
 * instanceCount × timeout h × the batch transform price of the type.
 */
type Json = Record<string, any>;

const shapes = (() => {
  const lib = join(REPO_ROOT, '.venv', 'lib');
  const python = readdirSync(lib).find((d) => d.startsWith('python'))!;
  const data = join(lib, python, 'site-packages', 'botocore', 'data', 'sagemaker');
  const version = readdirSync(data).sort().pop()!;
  return (
    JSON.parse(gunzipSync(readFileSync(join(data, version, 'service-2.json.gz'))).toString()) as {
      shapes: Record<string, { required?: string[]; members?: Record<string, { shape: string }> }>;
    }
  ).shapes;
})();

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const REQUEST: Json = {
  TransformJobName: 'diabetes-batch-0123456789abcdef0123456789abcdef',
  ModelName: 'Model-abc',
  BatchStrategy: 'MultiRecord',
  MaxConcurrentTransforms: 2,
  MaxPayloadInMB: 6,
  TransformInput: {
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://raw/diabetes/batches/b1/input/' } },
    ContentType: 'text/csv',
    SplitType: 'Line',
    CompressionType: 'None',
  },
  TransformOutput: {
    S3OutputPath: 's3://curated/diabetes/batches/b1/predictions/',
    Accept: 'text/csv',
    AssembleWith: 'Line',
    KmsKeyId: KEY,
  },
  TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 2, VolumeKmsKeyId: KEY },
  DataProcessing: { JoinSource: 'Input' },
};

/** Every member of `value` (nested structures too) is a member of botocore's `shape`; its required ones are there. */
function conforms(value: Json, shape: string, path = shape): string[] {
  const s = shapes[shape];
  const problems = (s.required ?? []).filter((k) => !(k in value)).map((k) => `${path}.${k} missing`);
  for (const [key, v] of Object.entries(value)) {
    const member = s.members?.[key];
    if (!member) problems.push(`${path}.${key} is not a member`);
    else if (v && typeof v === 'object' && !Array.isArray(v) && shapes[member.shape]?.members)
      problems.push(...conforms(v as Json, member.shape, `${path}.${key}`));
  }
  return problems;
}

const found = taskIntegration('arn:aws:states:::sagemaker:createTransformJob.sync');
if ('problem' in found) throw new Error(found.problem);

test("the fields BatchTransform renders (test/serving/batch-transform.test.ts checks it does) are botocore's CreateTransformJobRequest", () => {
  expect(conforms(REQUEST, 'CreateTransformJobRequest')).toEqual([]);
});

test("the sample answer is DescribeTransformJob's: botocore's shape and its required members, Completed, the request echoed", () => {
  const answer = found.integration.sample(
    {
      api: found.api,
      pattern: found.pattern,
      where: { partition: 'aws', region: 'eu-west-1', account: '123456789012' },
      answers: {},
    },
    REQUEST,
  ) as Json;
  expect(conforms(answer, 'DescribeTransformJobResponse')).toEqual([]);
  expect(answer.TransformJobStatus).toBe('Completed');
  expect(answer.TransformJobArn).toBe(
    'arn:aws:sagemaker:eu-west-1:123456789012:transform-job/diabetes-batch-0123456789abcdef0123456789abcdef',
  );
  expect(answer.TransformOutput).toEqual(REQUEST.TransformOutput);
});

test('one run costs instanceCount × the task timeout in hours × the batch transform price of the type', () => {
  const cost = found.integration.cost;
  if (!('part' in cost) || cost.part !== 'batch-run') throw new Error('not priced per batch run');
  const prices = new RegionPriceList(PRICE_TABLE, 'eu-west-1');
  const task = (timeoutSeconds: unknown) => ({
    name: 'Transform',
    api: found.api,
    parameters: REQUEST,
    timeoutSeconds,
    stateMachine: { path: 'DiabetesModel/DiabetesBatch/StateMachine' } as never,
    resources: [],
    prices,
  });
  const [line] = cost.lines(task(7200));
  const price = PRICE_TABLE.regions['eu-west-1'].sagemakerBatchTransform['ml.m5.xlarge'].usd;
  expect(line).toMatchObject({ item: 'SageMaker batch transform ml.m5.xlarge', quantity: 4 });
  expect(line.usd).toBeCloseTo(4 * price);
  // Without a time limit there is no worst case: a missing price, never a silent 0.
  expect(cost.lines(task(undefined))[0].missing).toMatch(/no time limit/);
});
