import { BUCKET_KINDS, type NameParts } from './derived-names';

/** The data buckets the CLI works with (the access-log bucket is not one). */
export type DataBucketKind = Exclude<(typeof BUCKET_KINDS)[number], 'access-logs'>;

/**
 * What an environment publishes for the `mlenv` CLI, as SSM parameters under
 * `/<project>/<env>/`: each stack publishes its own resources' names, the CLI reads them and
 * never rebuilds a name. The one list of those parameters' keys.
 */
export const DISCOVERY_KEYS = {
  bucket: (kind: DataBucketKind) => `storage/${kind}-bucket`,
  dataKeyArn: 'storage/data-key-arn',
  alertTopicArn: 'operations/alert-topic-arn',
  pipelineArn: (model: string) => `models/${model}/pipeline-arn`,
  dataPipelineArn: (model: string) => `models/${model}/data-pipeline-arn`,
  packageGroup: (model: string) => `models/${model}/package-group`,
  endpointName: (model: string) => `models/${model}/endpoint-name`,
  /** The state machine that scores a batch, for a model served in batch (`serving.mode: batch`). */
  batchStateMachineArn: (model: string) => `models/${model}/batch-arn`,
  /** The package the environment serves as the model (its pin), where it serves the model. */
  pin: (model: string) => `models/${model}/pin`,
  /** The models the environment serves (a JSON list of names). */
  servedModels: 'serving/served-models',
  /**
   * In an environment models are promoted into: where each environment it is promoted from keeps
   * them (JSON: `{ "<env>": PromotionSourceNames }`).
   */
  promotionSources: 'promotion/sources',
} as const;

/** The path under which an environment publishes its parameters: `/<project>/<env>`. */
export function discoveryPath({
  project,
  environment,
}: Pick<NameParts, 'project'> & {
  readonly environment: { readonly name: string };
}): string {
  return `/${project}/${environment.name}`;
}

/** The full name of one discovery parameter: `/<project>/<env>/<key>`. */
export function discoveryParameterName(parts: Parameters<typeof discoveryPath>[0], key: string): string {
  return `${discoveryPath(parts)}/${key}`;
}

/** Where an environment models are promoted from keeps them, as the target publishes it. */
export interface PromotionSourceNames {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly modelsBucket: string;
  /** Its model package groups are `<groupNamePrefix>-<model>`. */
  readonly groupNamePrefix: string;
}
