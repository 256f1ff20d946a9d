import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const modelPackageArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-z0-9-]+\/\d+$/,
    'must be a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
  );
const artifactFilesSha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be the package's artifactFilesSha256 (64 lowercase hex digits)");

/** Which model package an environment serves for one model, and who decided it when and from where. */
export const deploymentPinSchema = z.strictObject({
  modelPackageArn,
  approvedBy: z.string().min(1, 'must say who approved it'),
  approvedAt: z.iso.datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time, e.g. 2026-11-30T10:00:00Z',
  }),
  source: z.string().min(1, 'must say where the package comes from, e.g. "registry mlenv-dev-churn v3"'),
  /**
   * The package's `artifactFilesSha256` (SHA-256 of its artifact's files): the endpoint's model
   * gives it to the serving code, which refuses to load files with another digest.
   */
  artifactFilesSha256,
  /** The package's data-quality drift baseline (its DriftCheckBaselines), checked by the drift monitor. */
  dataQualityBaseline: z
    .strictObject({
      statisticsS3Uri: z.string().regex(/^s3:\/\/.+\.json$/, 'must be an s3:// URI of statistics.json'),
      constraintsS3Uri: z.string().regex(/^s3:\/\/.+\.json$/, 'must be an s3:// URI of constraints.json'),
    })
    .optional(),
  /**
   * A candidate package that gets a copy of the served one's requests (a shadow variant, on an
   * instance endpoint in mode `endpoint`), whose answers nobody sees; `serving.shadow.samplingPercent`
   * says how many. Of the same registry and group as `modelPackageArn`.
   */
  shadow: z
    .strictObject({
      modelPackageArn,
      artifactFilesSha256,
    })
    .optional(),
});

/** A pin, as validated. */
export type DeploymentPin = z.infer<typeof deploymentPinSchema>;

/** Where an environment is, and the name of each model's package group in it. */
export interface PinTarget {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** The package group of `model` in this environment (`<project>-<env>-<model>`). */
  groupOf(model: string): string;
}

/**
 * A pin must name a package of the environment's own registry: its account, its region, the
 * model's own group. A promotion copies a package into the next environment's registry and pins
 * that copy; a package of another environment, account or model is refused here, not by a failed
 * deploy (or an endpoint serving the wrong model).
 */
export function pinProblems(pins: Readonly<Record<string, DeploymentPin>>, env: PinTarget): string[] {
  return Object.entries(pins).flatMap(([model, pin]) => [
    ...packageProblems(model, 'modelPackageArn', pin.modelPackageArn, env),
    ...(pin.shadow ? packageProblems(model, 'shadow.modelPackageArn', pin.shadow.modelPackageArn, env) : []),
    ...(pin.shadow?.modelPackageArn === pin.modelPackageArn
      ? [
          `deployments/${env.name}.json: ${model}.shadow.modelPackageArn: is the served package: a shadow test compares another package`,
        ]
      : []),
  ]);
}

/** The problems of one package ARN of a pin (`field`) that is not of the environment's own registry and group. */
function packageProblems(model: string, field: string, packageArn: string, env: PinTarget): string[] {
  const arn = /^arn:[^:]+:sagemaker:([^:]+):(\d{12}):model-package\/([^/]+)\/\d+$/.exec(packageArn);
  if (!arn) return [];
  const [, region, account, group] = arn;
  const where = `deployments/${env.name}.json: ${model}.${field}`;
  const expected: Array<[string, string, string]> = [
    ['account', account, env.account],
    ['region', region, env.region],
    ['package group', group, env.groupOf(model)],
  ];
  return expected
    .filter(([, actual, own]) => actual !== own)
    .map(
      ([what, actual, own]) =>
        `${where}: names ${what} ${actual}, not ${env.name}'s own (${own}): pin a package of ${env.name}'s registry (promote the package there first)`,
    );
}

/**
 * Reads `<dir>/<environment>.json`: `{ "<model>": { modelPackageArn, approvedBy, approvedAt, source } }`.
 * A missing file pins nothing. Returns the pins and the problems found, each naming file and field.
 */
export function readDeploymentPins(
  dir: string,
  environment: string,
  modelNames: readonly string[],
  /** A pins file replacing `<dir>/<environment>.json` (see `PIN_FILE_CONTEXT_PREFIX`). */
  replacement?: string,
): { pins: Record<string, DeploymentPin>; problems: string[] } {
  const file = replacement ?? join(dir, `${environment}.json`);
  const shown = replacement ?? `deployments/${environment}.json`;
  if (!existsSync(file)) {
    return { pins: {}, problems: replacement ? [`${replacement}: no such file`] : [] };
  }
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

/**
 * A shadow variant needs a real-time endpoint on instances: a pin's `shadow` is refused for a model
 * served in mode `async` or `batch`, and in an environment whose `serving.kind` is `serverless`.
 */
export function shadowPinProblems(
  pins: Readonly<Record<string, DeploymentPin>>,
  env: { readonly name: string; readonly servingKind: string },
  modes: Readonly<Record<string, string>>,
): string[] {
  return Object.entries(pins)
    .filter(([, pin]) => pin.shadow)
    .flatMap(([model]) => {
      const where = `deployments/${env.name}.json: ${model}.shadow`;
      const mode = modes[model] ?? 'endpoint';
      if (mode !== 'endpoint')
        return [
          `${where}: ${model} is served in mode '${mode}': only a real-time endpoint (mode 'endpoint') takes a shadow variant`,
        ];
      if (env.servingKind !== 'instance')
        return [
          `${where}: ${env.name} serves on ${env.servingKind} endpoints (serving.kind): only instance endpoints take a shadow variant`,
        ];
      return [];
    });
}
