import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';

/** A CloudFormation template, as far as resolving it locally needs. */
interface Template {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/**
 * Resolves CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::ImportValue`, `Fn::Select`, `Fn::Split`) in a value of `stack`'s template the way a deploy
 * into `stack`'s account and region would, with stand-in physical ids for resources (ARNs named
 * after their logical ids). For running synthesized definitions locally.
 */
export function resolveIntrinsics(
  value: unknown,
  stack: CloudFormationStackArtifact,
  assembly: CloudAssembly,
): unknown {
  const template = stack.template as Template;
  const { account, region } = stack.environment;
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const pseudo: Record<string, string> = {
    'AWS::AccountId': account,
    'AWS::Region': region,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stack.stackName,
    'AWS::NoValue': '',
  };

  const ref = (logicalId: string): string => {
    if (logicalId in pseudo) return pseudo[logicalId];
    const resource = template.Resources?.[logicalId];
    if (!resource) throw new Error(`Ref to unknown ${logicalId} in ${stack.hierarchicalId}`);
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
        return `arn:${partition}:sns:${region}:${account}:${logicalId}`;
      case 'AWS::S3::Bucket':
        return String(resolve(resource.Properties?.BucketName ?? logicalId.toLowerCase()));
      default:
        return logicalId;
    }
  };
  const getAtt = (logicalId: string, attribute: string): string => {
    const resource = template.Resources?.[logicalId];
    if (!resource) throw new Error(`Fn::GetAtt of unknown ${logicalId} in ${stack.hierarchicalId}`);
    if (attribute !== 'Arn') return `${logicalId}.${attribute}`;
    const service = resource.Type.split('::')[1].toLowerCase();
    if (service === 'iam') return `arn:${partition}:iam::${account}:role/${logicalId}`;
    if (service === 's3') return `arn:${partition}:s3:::${ref(logicalId)}`;
    if (service === 'kms') return `arn:${partition}:kms:${region}:${account}:key/${logicalId}`;
    return `arn:${partition}:${service}:${region}:${account}:${logicalId}`;
  };
  const importValue = (name: string): unknown => {
    for (const other of assembly.stacksRecursively) {
      for (const output of Object.values((other.template as Template).Outputs ?? {})) {
        if (output.Export && resolveIntrinsics(output.Export.Name, other, assembly) === name) {
          return resolveIntrinsics(output.Value, other, assembly);
        }
      }
    }
    throw new Error(`No stack exports ${name}`);
  };

  function resolve(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    if (entries.length === 1) {
      const [fn, arg] = entries[0] as [string, unknown];
      if (fn === 'Ref') return ref(arg as string);
      if (fn === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        return getAtt(id as string, attr as string);
      }
      if (fn === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(sep);
      }
      if (fn === 'Fn::ImportValue') return importValue(String(resolve(arg)));
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [unknown, unknown];
        return (resolve(list) as unknown[])[Number(resolve(index))];
      }
      if (fn === 'Fn::Split') {
        const [sep, text] = arg as [string, unknown];
        return String(resolve(text)).split(sep);
      }
      if (fn === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [arg as string, {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (name in vars) return String(resolve(vars[name]));
          const [id, attr] = name.split('.');
          return attr ? getAtt(id, attr) : ref(id);
        });
      }
      if (fn.startsWith('Fn::')) throw new Error(`Unsupported intrinsic ${fn} in ${stack.hierarchicalId}`);
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, resolve(x)]));
  }
  return resolve(value);
}

/** The definition of a state machine of the assembly, with every token resolved. */
export function stateMachineDefinition(
  assembly: CloudAssembly,
  stackId: string,
  constructPath: string,
): Record<string, unknown> {
  const stack = assembly.stacksRecursively.find((s) => s.hierarchicalId === stackId);
  if (!stack) throw new Error(`No stack ${stackId} in the assembly`);
  const resources = Object.entries(
    (
      stack.template as {
        Resources: Record<
          string,
          { Type: string; Metadata?: Record<string, unknown>; Properties: Record<string, unknown> }
        >;
      }
    ).Resources,
  );
  const found = resources.find(
    ([, r]) =>
      r.Type === 'AWS::StepFunctions::StateMachine' &&
      r.Metadata?.['aws:cdk:path'] === `${stackId}/${constructPath}/Resource`,
  );
  if (!found) throw new Error(`No state machine ${constructPath} in ${stackId}`);
  return JSON.parse(String(resolveIntrinsics(found[1].Properties.DefinitionString, stack, assembly)));
}
