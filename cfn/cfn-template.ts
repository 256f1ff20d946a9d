/** A CloudFormation template, as far as the readers of an assembly read it. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  [key: string]: unknown;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The construct path of a resource without its stage (`Storage/Data/RawBucket`), if recorded. */
export function constructPathOf(resource: CfnResource): string | undefined {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return undefined;
  return path
    .split('/')
    .slice(1)
    .join('/')
    .replace(/\/Resource$/, '');
}
