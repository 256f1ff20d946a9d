import { asObject } from '../../../cfn/json-values';
import { type DeployableStack, TemplateReader } from '../../../cfn/template-reader';

/**
 * The property that gives each stateful type its physical name, where the template sets one.
 * CloudFormation replaces a resource whose name property changes, and a new bucket, package group
 * log group or tracking server starts empty. A key has no name; its aliases are what people and tools find it by.
 */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SageMaker::ModelPackageGroup': 'ModelPackageGroupName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SageMaker::MlflowTrackingServer': 'TrackingServerName',
  'AWS::KMS::Key': 'alias (AWS::KMS::Alias AliasName)',
};

/**
 * A reader that resolves names the way a deploy of `stacks` would (pseudo parameters, joins,
 * substitutions, imports) and writes any token it cannot resolve as its JSON text, so that the
 * recorded name is the same on every synth and changes only when the template does.
 */
export function nameReader(stacks: readonly DeployableStack[]): TemplateReader {
  return TemplateReader.ofDeployment(stacks, (token) => canonicalText(token));
}

/**
 * The physical name of each named stateful resource of `stack`, by logical id: the name property's
 * value, or for a key the aliases that target it (comma-separated). Resources the template leaves
 * for CloudFormation to name are absent.
 */
export function physicalNames(stack: DeployableStack, reader: TemplateReader): Record<string, string> {
  const resources = stack.template.Resources ?? {};
  const names: Record<string, string> = {};
  for (const [id, resource] of Object.entries(resources)) {
    const property = NAME_PROPERTIES[resource.Type];
    if (property === undefined || resource.Type === 'AWS::KMS::Key') continue;
    const value = resource.Properties?.[property];
    if (value !== undefined) names[id] = asText(reader.resolve(value, stack));
  }
  const aliases: Record<string, string[]> = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::KMS::Alias') continue;
    const key = targetKey(resource.Properties?.TargetKeyId);
    if (key === undefined || resources[key]?.Type !== 'AWS::KMS::Key') continue;
    (aliases[key] ??= []).push(asText(reader.resolve(resource.Properties?.AliasName, stack)));
  }
  for (const [key, list] of Object.entries(aliases)) names[key] = list.sort().join(', ');
  return names;
}

/** The logical id of the key an alias targets in its own stack (`Ref` or `Fn::GetAtt`), if any. */
function targetKey(target: unknown): string | undefined {
  const token = asObject(target);
  if (typeof token?.Ref === 'string') return token.Ref;
  const getAtt = token?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : canonicalText(value);
}

/** JSON with object keys sorted: the same text for the same token however it was written. */
function canonicalText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    const object = asObject(item);
    return object === undefined
      ? item
      : Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
  });
}
