/**
 * A CloudFormation template as a reviewer reads it: each resource's logical id and type, its
 * deletion policy, and its properties one per line, with the long documents summarized. It is what
 * the stage snapshots hold; what it leaves out, other tests pin:
 *
 * - tags (environment-stages.test.ts), descriptions (prose);
 * - asset hashes (`<asset>`: they follow the bytes, not the infrastructure), metadata and
 *   `DependsOn` (construct paths, cdk-nag acknowledgements: test/compliance);
 * - build specs (test/stages/buildspec-installs, test/pipeline/pinned-clis), dashboard bodies
 *   (test/monitoring), the text of an event's notification (its input transformer);
 * - properties that repeat the logical id (the names CDK gives policies), the bootstrap version
 *   parameter and rule CDK adds to every stack.
 *
 * Summarized: a policy document (any object with a `Statement` list) is one line per statement (effect, actions, principals,
 * resources, conditions); a state machine's definition lists its states (test/training,
 * test/data and test/local run it); a pipeline's stages are one line per action.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ASSET_HASH = /[0-9a-f]{64}/g;
const DROPPED = new Set([
  'Tags',
  'Description',
  'AlarmDescription',
  'BuildSpec',
  'DashboardBody',
  'InputTransformer',
]);
/** Objects of a few scalars read best on one line, up to this length. */
const INLINE_WIDTH = 120;

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asList = (value: Json | undefined): Json[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** An intrinsic function as YAML templates write it (`!Ref X`, `!GetAtt X.Arn`), or undefined. */
function intrinsic(value: Json): string | undefined {
  if (!isObject(value) || Object.keys(value).length !== 1) return undefined;
  const [[name, args]] = Object.entries(value);
  const list = asList(args);
  switch (name) {
    case 'Ref':
      return `!Ref ${String(args)}`;
    case 'Fn::GetAtt':
      return `!GetAtt ${list.map(scalar).join('.')}`;
    case 'Fn::ImportValue':
      return `!ImportValue ${scalar(args)}`;
    case 'Fn::Join':
      // Joined in place, the other parts as Fn::Sub writes them (${Id}, ${Id.Arn}): an ARN reads as one.
      return asList(list[1]).map(substituted).join(String(list[0]));
    case 'Fn::Sub':
      return scalar(list[0]);
    case 'Fn::Select':
      return `!Select ${scalar(list[0])} ${scalar(list[1])}`;
    case 'Fn::Split':
      return `!Split ${scalar(list[0])} ${scalar(list[1])}`;
    case 'Fn::GetAZs':
      return '!GetAZs';
    default:
      return name.startsWith('Fn::') ? `!${name.slice(4)} ${JSON.stringify(args)}` : undefined;
  }
}

/** A part of a joined string as Fn::Sub writes it: text as is, `${Id}`, `${Id.Attribute}`. */
function substituted(part: Json): string {
  if (typeof part === 'string') return scalar(part);
  const reference = isObject(part) ? (part.Ref ?? part['Fn::GetAtt']) : undefined;
  return `\${${reference !== undefined ? asList(reference).map(scalar).join('.') : scalar(part)}}`;
}

/** A value on one line. */
function scalar(value: Json): string {
  const text = intrinsic(value) ?? (typeof value === 'string' ? value : JSON.stringify(value));
  return text.replace(ASSET_HASH, '<asset>');
}

/** `Allow s3:GetObject,s3:PutObject for Service:x on arn1, arn2 if StringEquals k=v`. */
function statement(s: JsonObject): string {
  const values = (value: Json | undefined) => asList(value).map(scalar).join(',');
  const principal = s.Principal ?? s.NotPrincipal;
  const who =
    principal === undefined
      ? ''
      : ` for ${s.NotPrincipal ? 'all but ' : ''}${
          isObject(principal)
            ? Object.entries(principal)
                .map(([kind, ids]) => `${kind}:${values(ids)}`)
                .join(' ')
            : scalar(principal)
        }`;
  const on = s.Resource
    ? ` on ${asList(s.Resource).map(scalar).join(', ')}`
    : s.NotResource
      ? ` on all but ${asList(s.NotResource).map(scalar).join(', ')}`
      : '';
  const conditions = isObject(s.Condition)
    ? Object.entries(s.Condition).flatMap(([operator, tests]) =>
        isObject(tests) ? Object.entries(tests).map(([key, v]) => `${operator} ${key}=${values(v)}`) : [],
      )
    : [];
  const actions = s.Action ? values(s.Action) : `all but ${values(s.NotAction)}`;
  return `${s.Effect} ${actions}${who}${on}${conditions.length ? ` if ${conditions.join(' and ')}` : ''}`;
}

/** A state machine's states in definition order (`A, B, C`), or its length if it does not parse. */
function states(definition: Json): string {
  const text = scalar(definition);
  try {
    const parsed = JSON.parse(text) as JsonObject;
    return `StartAt ${scalar(parsed.StartAt)}; ${Object.keys(parsed.States as JsonObject).join(', ')}`;
  } catch {
    return `<${text.length} characters>`;
  }
}

/** One line per action: `Stage: Action (Category/Provider, run N) key=value, ...`. */
function pipelineActions(stages: Json): string[] {
  return asList(stages).flatMap((stage) =>
    asList((stage as JsonObject).Actions).map((a) => {
      const action = a as JsonObject;
      const type = action.ActionTypeId as JsonObject;
      const configuration = Object.entries((action.Configuration ?? {}) as JsonObject)
        .filter(([key]) => key !== 'EnvironmentVariables')
        .map(([key, value]) => `${key}=${scalar(value)}`);
      return `${scalar((stage as JsonObject).Name)}: ${scalar(action.Name)} (${scalar(type.Category)}/${scalar(type.Provider)}, run ${scalar(action.RunOrder ?? 1)})${configuration.length ? ` ${configuration.join(', ')}` : ''}`;
    }),
  );
}

/** `[a=1, b=2]` for a list of name/value pairs (`{ Name, Value }`, `{ Key, Value }`, `{ name, value }`). */
function pairs(list: Json[]): string | undefined {
  const entries = list.map((item) => {
    if (!isObject(item)) return undefined;
    const name = item.Name ?? item.Key ?? item.name;
    const value = item.Value ?? item.value;
    return name !== undefined && value !== undefined ? `${scalar(name)}=${scalar(value)}` : undefined;
  });
  return entries.every((e) => e !== undefined) ? `[${entries.join(', ')}]` : undefined;
}

/** `{ A: 1, B: x }` for an object of scalars (and lists of scalars), or undefined. */
function inlineObject(value: JsonObject): string | undefined {
  const flat = (v: Json) => !isObject(v) || intrinsic(v) !== undefined;
  const entries = Object.entries(value).filter(([k]) => !DROPPED.has(k));
  if (!entries.every(([, v]) => (Array.isArray(v) ? v.every(flat) : flat(v)))) return undefined;
  const text = (v: Json) => (Array.isArray(v) ? `[${v.map(scalar).join(', ')}]` : scalar(v));
  return `{ ${entries.map(([k, v]) => `${k}: ${text(v)}`).join(', ')} }`;
}

/** `path: value` lines of a property, with documents summarized. */
function propertyLines(path: string, key: string, value: Json, logicalId: string): string[] {
  if (DROPPED.has(key) || value === logicalId) return [];
  if (isObject(value) && Array.isArray(value.Statement))
    return value.Statement.map((s) => `${path}: ${statement(s as JsonObject)}`);
  if (key === 'DefinitionString' || key === 'Definition') return [`${path}: ${states(value)}`];
  if (key === 'Stages' && Array.isArray(value)) return pipelineActions(value).map((a) => `${path}: ${a}`);
  if (intrinsic(value) !== undefined || (!isObject(value) && !Array.isArray(value)))
    return [`${path}: ${scalar(value)}`];
  if (Array.isArray(value)) {
    if (value.every((v) => !isObject(v) || intrinsic(v) !== undefined))
      return [`${path}: [${value.map(scalar).join(', ')}]`];
    const named = pairs(value);
    if (named) return [`${path}: ${named}`];
    return value.flatMap((v, i) => propertyLines(`${path}[${i}]`, '', v, logicalId));
  }
  const inline = inlineObject(value);
  if (inline && inline.length <= INLINE_WIDTH) return [`${path}: ${inline}`];
  return Object.entries(value).flatMap(([k, v]) => propertyLines(`${path}.${k}`, k, v, logicalId));
}

/** The template as a reviewer reads it, one line per fact. */
export function reviewedTemplate(synthesized: object): string {
  const template = synthesized as JsonObject;
  const lines: string[] = [];
  for (const [id, r] of Object.entries((template.Resources ?? {}) as JsonObject)) {
    const resource = r as JsonObject;
    const policies = [resource.DeletionPolicy, resource.UpdateReplacePolicy].filter((p) => p !== undefined);
    const kept = policies.length ? `  (${[...new Set(policies)].join('/')})` : '';
    lines.push(`${id}  ${scalar(resource.Type)}${kept}`);
    if (resource.Condition) lines.push(`  if ${scalar(resource.Condition)}`);
    for (const [key, value] of Object.entries((resource.Properties ?? {}) as JsonObject)) {
      lines.push(...propertyLines(key, key, value, id).map((line) => `  ${line}`));
    }
  }
  for (const [name, o] of Object.entries((template.Outputs ?? {}) as JsonObject)) {
    const output = o as JsonObject;
    const exported = isObject(output.Export) ? ` (export ${scalar(output.Export.Name)})` : '';
    lines.push(`output ${name}: ${scalar(output.Value)}${exported}`);
  }
  for (const name of Object.keys((template.Parameters ?? {}) as JsonObject)) {
    if (name !== 'BootstrapVersion') lines.push(`parameter ${name}`);
  }
  for (const name of Object.keys((template.Conditions ?? {}) as JsonObject)) lines.push(`condition ${name}`);
  return lines.join('\n');
}
