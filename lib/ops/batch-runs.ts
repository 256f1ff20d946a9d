import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isRunString, LATEST_BATCH, type LatestBatch, ModelLayout, RUN_STRING_RULES } from '../../constructs';
import type { S3Sender } from './s3-object-store';

/** What `mlenv batch run --input` names: a local folder of CSV files to push, or a pushed batch. */
export type BatchInput =
  | {
      readonly kind: 'local';
      readonly files: ReadonlyArray<{ readonly name: string; readonly body: Buffer }>;
    }
  | { readonly kind: 'pushed'; readonly batchId: string };

/** Where a model's batches are, in an environment's raw and curated buckets. */
export interface BatchBuckets {
  readonly raw: string;
  readonly curated: string;
}

/** A model that can be scored in batch: its name, and whether the environment serves it so. */
export interface BatchModel {
  readonly name: string;
  /** The model's `serving.mode`. */
  readonly mode: string;
  /** Its batch state machine where the environment deploys one (a pin of a batch-served model). */
  readonly batchArn?: string;
}

/**
 * Why `model` cannot be scored in batch in `environment`, in one line; undefined when it can.
 * A model served on an endpoint, or one the environment does not pin, has no batch transform.
 */
export function batchModelProblem(environment: string, model: BatchModel): string | undefined {
  if (model.mode !== 'batch') {
    return `${model.name} is not served in batch (models[].serving.mode is '${model.mode}'): only a model with serving: { mode: 'batch' } has a batch transform`;
  }
  if (!model.batchArn) {
    return `${environment} has no batch transform of ${model.name}: pin a package of it in deployments/${environment}.json and deploy (docs/guide/batch.md)`;
  }
  return undefined;
}

/**
 * Reads `--input`: an existing local folder (its `.csv` files, rows of features without a header,
 * at least one), or an S3 prefix of the model's own batch inputs
 * (`s3://<raw>/<model>/batches/<batch id>/input/`), or a batch id. Anything else, or a prefix of
 * another model, another bucket or a batch id out of the grammar, is one error line.
 */
export function readBatchInput(input: string, model: string, buckets: BatchBuckets): BatchInput {
  const layout = new ModelLayout(model);
  const own = `s3://${buckets.raw}/${layout.batchesPrefix}`;
  if (input.startsWith('s3://')) {
    const rest = input.startsWith(own) ? input.slice(own.length) : undefined;
    const match = rest === undefined ? null : /^([^/]+)\/input\/?$/.exec(rest);
    if (!match || !isRunString('name', match[1])) {
      throw new Error(
        `--input ${input} is not a batch of ${model}: give ${own}<batch id>/input/ (a batch id is ${RUN_STRING_RULES.name.rule}), or a local folder of CSV files`,
      );
    }
    return { kind: 'pushed', batchId: match[1] };
  }
  if (existsSync(input) && statSync(input).isDirectory()) {
    const files = readdirSync(input)
      .filter((f) => f.toLowerCase().endsWith('.csv') && statSync(join(input, f)).isFile())
      .sort()
      .map((name) => ({ name, body: readFileSync(join(input, name)) }));
    if (files.length === 0) throw new Error(`--input ${input} has no .csv file to score`);
    const bad = files.find((f) => !isRunString('name', basename(f.name, '.csv').replace(/[._]/g, '-')));
    if (bad)
      throw new Error(
        `--input ${input}: ${bad.name} is not a usable file name (letters, digits, -, _ and .)`,
      );
    return { kind: 'local', files };
  }
  if (isRunString('name', input) && input !== LATEST_BATCH) return { kind: 'pushed', batchId: input };
  throw new Error(
    `--input ${input} is neither a local folder of CSV files, nor a batch of ${model} (${own}<batch id>/input/ or a batch id)`,
  );
}

/** A new batch's id: `b<UTC time>-<first 8 hex of its files' SHA-256>` (a name of the grammar). */
export function newBatchId(
  files: ReadonlyArray<{ readonly name: string; readonly body: Buffer }>,
  now = new Date(),
): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.name).update('\0').update(f.body);
  const time = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase();
  return `b${time}-${hash.digest('hex').slice(0, 8)}`;
}

/**
 * Pushes local files as a new batch of `model`: each to `<model>/batches/<id>/input/<file>` of the
 * raw bucket. With `pointer`, then `<model>/batches/latest.json` naming it, written last: that is
 * what starts the batch transform on a new batch, and what its schedule scores again; without,
 * the batch is scored only by whoever starts it (`mlenv batch run`). Returns the batch id.
 */
export async function pushBatch(
  s3: S3Sender,
  bucket: string,
  model: string,
  files: ReadonlyArray<{ readonly name: string; readonly body: Buffer }>,
  options: { readonly batchId?: string; readonly pointer?: boolean } = {},
): Promise<string> {
  const layout = new ModelLayout(model);
  const batchId = options.batchId ?? newBatchId(files);
  for (const f of files) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${layout.batchInputDir(batchId)}/${f.name}`,
        Body: f.body,
        ContentType: 'text/csv',
      }),
    );
  }
  if (options.pointer) {
    const latest: LatestBatch = { batchId };
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: layout.latestBatchKey,
        Body: JSON.stringify(latest),
        ContentType: 'application/json',
      }),
    );
  }
  return batchId;
}

/** Where a batch's predictions are: `s3://<curated>/<model>/batches/<id>/predictions/`. */
export function predictionsPrefix(buckets: BatchBuckets, model: string, batchId: string): string {
  return `s3://${buckets.curated}/${new ModelLayout(model).batchPredictionsDir(batchId)}/`;
}
