import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Which model package an environment serves for one model, and who decided it when and from where. */
export const deploymentPinSchema = z.strictObject({
  modelPackageArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-z0-9-]+\/\d+$/,
      'must be a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
    ),
  approvedBy: z.string().min(1, 'must say who approved it'),
  approvedAt: z.iso.datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time, e.g. 2026-11-30T10:00:00Z',
  }),
  source: z.string().min(1, 'must say where the package comes from, e.g. "registry mlenv-dev-churn v3"'),
  /** The package's data-quality drift baseline (its DriftCheckBaselines), checked by the drift monitor. */
  dataQualityBaseline: z
    .strictObject({
      statisticsS3Uri: z.string().regex(/^s3:\/\/.+\.json$/, 'must be an s3:// URI of statistics.json'),
      constraintsS3Uri: z.string().regex(/^s3:\/\/.+\.json$/, 'must be an s3:// URI of constraints.json'),
    })
    .optional(),
});

/** A pin, as validated. */
export type DeploymentPin = z.infer<typeof deploymentPinSchema>;

/**
 * Reads `<dir>/<environment>.json`: `{ "<model>": { modelPackageArn, approvedBy, approvedAt, source } }`.
 * A missing file pins nothing. Returns the pins and the problems found, each naming file and field.
 */
export function readDeploymentPins(
  dir: string,
  environment: string,
  modelNames: readonly string[],
): { pins: Record<string, DeploymentPin>; problems: string[] } {
  const file = join(dir, `${environment}.json`);
  const shown = `deployments/${environment}.json`;
  if (!existsSync(file)) return { pins: {}, problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { pins: {}, problems: [`${shown}: not valid JSON (${(error as Error).message})`] };
  }
  const parsed = z.record(z.string(), deploymentPinSchema).safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    return {
      pins: {},
      problems: parsed.error.issues.map((i) => {
        const where = i.path.map(String).join('.') || '(file)';
        if (i.code === 'unrecognized_keys') return `${shown}: ${where}: unknown field ${i.keys.join(', ')}`;
        if (i.code === 'invalid_type' && i.input === undefined) return `${shown}: ${where}: is required`;
        return `${shown}: ${where}: ${i.message}`;
      }),
    };
  }
  const problems = Object.keys(parsed.data)
    .filter((model) => !modelNames.includes(model))
    .map(
      (model) =>
        `${shown}: ${model}: no model named '${model}' in the configuration (models: ${modelNames.join(', ')})`,
    );
  return { pins: parsed.data, problems };
}
