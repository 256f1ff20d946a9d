import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { MODEL_MONITOR_PROBLEM_TYPES, ModelLayout, ProblemType } from '../../constructs';
import { csvFields } from './endpoint-rows';

/**
 * SageMaker's InferenceId (InvokeEndpoint): 1 to 64 printable ASCII characters, not starting with a
 * space (botocore: `\A\S[\p{Print}]*\z`, Java's \p{Print} being ASCII; the first character is
 * held to ASCII too, so no invisible or direction-changing character reaches a report). The capture
 * records it as `eventMetadata.inferenceId`; Model Monitor joins labels on it.
 */
export const INFERENCE_ID_PATTERN = /^[\x21-\x7E][\x20-\x7E]{0,63}$/;

/** The column of a labels CSV that names the captured request. */
export const INFERENCE_ID_COLUMN = 'inference_id';

/**
 * Why an environment runs no model-quality check of a model (so labels pushed there are never
 * read), or undefined when it does: the rule of the model's stack (real-time models on instance
 * endpoints that capture, with a gate metric Model Monitor computes).
 */
export function noQualityCheckReason(
  environment: {
    readonly name: string;
    readonly serving: { readonly kind: string; readonly dataCapturePercent: number };
  },
  model: {
    readonly name: string;
    readonly problemType: string;
    readonly qualityGate: { readonly metric: string };
    readonly serving: { readonly mode: string };
  },
): string | undefined {
  const { serving } = environment;
  if (model.serving.mode !== 'endpoint')
    return `${model.name} is served in ${model.serving.mode} mode, not by a real-time endpoint`;
  if (serving.kind !== 'instance')
    return `${environment.name} serves ${serving.kind} endpoints, which capture nothing`;
  if (!(serving.dataCapturePercent > 0))
    return `${environment.name} captures no requests (serving.dataCapturePercent 0)`;
  const kind = MODEL_MONITOR_PROBLEM_TYPES[model.problemType as ProblemType];
  if (!kind?.metrics[model.qualityGate.metric])
    return `Model Monitor does not compute ${model.name}'s gate metric ${model.qualityGate.metric} for ${model.problemType}`;
  return undefined;
}

/** One label of one captured request. */
export interface GroundTruthLabel {
  readonly inferenceId: string;
  readonly label: string;
}

export interface LabelsSource {
  readonly model: string;
  readonly problemType: string;
  /** The model's target column; `label` is accepted too. */
  readonly targetColumn: string;
  /** How errors name the input (a file name). */
  readonly source: string;
}

/** What a label of each problem type must be, and the same in words. */
const LABEL_TYPES: Readonly<
  Record<string, { readonly test: (v: string) => boolean; readonly what: string }>
> = {
  [ProblemType.BINARY_CLASSIFICATION]: { test: (v) => v === '0' || v === '1', what: '0 or 1' },
  [ProblemType.MULTICLASS_CLASSIFICATION]: {
    test: (v) => /^\d+$/.test(v),
    what: 'a class number (0, 1, 2, ...)',
  },
  [ProblemType.REGRESSION]: {
    test: (v) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) && Number.isFinite(Number(v)),
    what: 'a number',
  },
};

/**
 * Reads a labels CSV: a header with `inference_id` and the label column (the model's target
 * column, or `label`), one row per captured request. Every problem is one line naming the row;
 * any problem refuses the whole file (nothing is written).
 */
export function parseLabels(csv: string, options: LabelsSource): GroundTruthLabel[] {
  const { source } = options;
  const type = LABEL_TYPES[options.problemType];
  if (!type) throw new Error(`${options.model}: no labels for problem type ${options.problemType}`);
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0)
    throw new Error(
      `${source} is empty: expected a header (inference_id,${options.targetColumn}) and one row per label`,
    );
  const header = csvFields(lines[0]).map((h) => h.trim());
  const idAt = header.indexOf(INFERENCE_ID_COLUMN);
  const labelColumn = [options.targetColumn, 'label'].find((c) => header.includes(c));
  const missing = [
    ...(idAt < 0 ? [INFERENCE_ID_COLUMN] : []),
    ...(labelColumn ? [] : [`${options.targetColumn} (or label)`]),
  ];
  if (missing.length > 0) {
    throw new Error(
      `${source} line 1: the header has no ${missing.join(' and no ')} column (it has ${header.join(', ')})`,
    );
  }
  const labelAt = header.indexOf(labelColumn!);
  if (lines.length === 1) throw new Error(`${source} has a header but no labels`);

  const problems: string[] = [];
  const labels: GroundTruthLabel[] = [];
  const firstLine = new Map<string, number>();
  lines.slice(1).forEach((line, i) => {
    const row = `${source} line ${i + 2}`;
    if (line.trim() === '') {
      problems.push(`${row}: empty line`);
      return;
    }
    const fields = csvFields(line);
    if (fields.length !== header.length) {
      problems.push(`${row}: ${fields.length} values under a header of ${header.length}`);
      return;
    }
    const inferenceId = fields[idAt];
    const label = fields[labelAt].trim();
    if (!INFERENCE_ID_PATTERN.test(inferenceId)) {
      problems.push(
        `${row}: inference id ${JSON.stringify(inferenceId)} is not one SageMaker records (1 to 64 printable ASCII characters, not starting with a space)`,
      );
    } else if (firstLine.has(inferenceId)) {
      problems.push(
        `${row}: inference id ${inferenceId} is labelled already on line ${firstLine.get(inferenceId)}`,
      );
    } else firstLine.set(inferenceId, i + 2);
    if (!type.test(label)) {
      problems.push(
        `${row}: ${labelColumn} ${JSON.stringify(label)} is not a label of ${options.model} (${options.problemType}: ${type.what})`,
      );
    }
    labels.push({ inferenceId, label });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    const more = problems.length - shown.length;
    throw new Error(
      `${source}: ${problems.length} problem(s), nothing was pushed:\n${shown.join('\n')}${more > 0 ? `\n... and ${more} more` : ''}`,
    );
  }
  return labels;
}

/**
 * SageMaker's ground-truth records, one JSON object a line:
 * `{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"<inference id>"},"eventVersion":"0"}`.
 */
export function groundTruthLines(labels: readonly GroundTruthLabel[]): string {
  return labels
    .map((l) =>
      JSON.stringify({
        groundTruthData: { data: l.label, encoding: 'CSV' },
        eventMetadata: { eventId: l.inferenceId },
        eventVersion: '0',
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

export interface PushLabelsOptions extends LabelsSource {
  /** The environment's monitoring bucket. */
  readonly bucket: string;
  /** The data key (the bucket's objects are encrypted with it). */
  readonly kmsKeyId?: string;
  /** When the labels are pushed: names the hour folder. @default now */
  readonly at?: Date;
}

export interface PushedLabels {
  readonly labels: number;
  readonly s3Uri: string;
}

/**
 * Validates a labels CSV and writes it as SageMaker ground truth under the model's ground-truth
 * prefix, in the hour folder of `at`: `<model>/ground-truth/yyyy/mm/dd/hh/labels-<mmssSSS>-<sha256>.jsonl`
 * (a later push sorts after an earlier one of the same hour; the local check lets it win).
 */
export async function pushLabels(
  s3: Pick<S3Client, 'send'>,
  csv: string,
  options: PushLabelsOptions,
): Promise<PushedLabels> {
  const labels = parseLabels(csv, options);
  const body = groundTruthLines(labels);
  const at = options.at ?? new Date();
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  // Named by minute, second and millisecond first: within the hour, a later push sorts later.
  const stamp = at.toISOString().slice(14, 23).replace(/[:.]/g, '');
  const key = new ModelLayout(options.model).groundTruthKey(at, `labels-${stamp}-${digest}.jsonl`);
  await s3.send(
    new PutObjectCommand({
      Bucket: options.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/jsonlines',
      ...(options.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId } : {}),
    }),
  );
  return { labels: labels.length, s3Uri: `s3://${options.bucket}/${key}` };
}
