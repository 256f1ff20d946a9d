/** How an environment's name shows up in its templates: as is, or as its stage id (`Prod-Storage`). */
export interface NamedEnvironment {
  readonly name: string;
  readonly stageId: string;
}

/** What an environment's name is replaced by. */
export const ENV_PLACEHOLDER = '<env>';

/** Words are runs of letters and digits; everything else (`-`, `/`, `:`, quotes, ...) separates them. */
const WORDS = /([A-Za-z0-9]+)/;

/**
 * Replaces the environments' names in one value per environment (`env -> value`), word by word.
 *
 * A word is an environment's name only where each environment's value has its own name (or stage
 * id) at that place and the rest lines up: `arn:aws:s3:::mlenv-aws-raw` of an environment named
 * `aws` keeps its partition `aws`, because prod's value has `aws` there too. So any environment
 * name works, even one that is also a word of CloudFormation, IAM or ASL (`aws`, `states`, `s3`).
 * Ids that CDK derives from a stage-prefixed construct path (`ProdServingScalingPolicy7E6D23F7`)
 * read `<env>ServingScalingPolicy<hash>`. A value that lines up with no other environment's (it
 * differs anyway) has its name replaced wherever it is a whole word, for people to read.
 */
export function withoutNames(
  values: Readonly<Record<string, unknown>>,
  environments: Readonly<Record<string, NamedEnvironment>>,
): Record<string, unknown> {
  const words = new Map<string, string[]>();
  for (const [env, value] of Object.entries(values)) {
    if (value !== undefined) words.set(env, JSON.stringify(value).split(WORDS));
  }
  // Values line up when they have the same separators in the same places.
  const groups = new Map<string, string[]>();
  for (const [env, parts] of words) {
    const shape = parts.filter((_, i) => i % 2 === 0).join('\u0000') + `#${parts.length}`;
    groups.set(shape, [...(groups.get(shape) ?? []), env]);
  }
  for (const envs of groups.values()) {
    const parts = envs.map((env) => words.get(env)!);
    for (let i = 1; i < parts[0].length; i += 2) {
      const replaced = envs.length === 1 ? undefined : namedWord(envs, parts, i, environments);
      envs.forEach((env, e) => {
        const word = parts[e][i];
        if (replaced !== undefined) parts[e][i] = replaced[e];
        else if (envs.length === 1) parts[e][i] = loneWord(word, environments[env]);
      });
    }
  }
  const result: Record<string, unknown> = { ...values };
  for (const [env, parts] of words) result[env] = parse(parts.join(''));
  return result;
}

/** The placeholders of word `i` if each environment has its own name there, else undefined. */
function namedWord(
  envs: readonly string[],
  parts: readonly string[][],
  i: number,
  environments: Readonly<Record<string, NamedEnvironment>>,
): string[] | undefined {
  const words = parts.map((p) => p[i]);
  if (words.every((w) => w === words[0])) return undefined;
  if (envs.every((env, e) => words[e] === environments[env].name)) return words.map(() => ENV_PLACEHOLDER);
  if (envs.every((env, e) => words[e] === environments[env].stageId)) return words.map(() => ENV_PLACEHOLDER);
  const derived = envs.map((env, e) => derivedId(words[e], environments[env]));
  if (derived.every((d) => d !== undefined && d === derived[0])) return derived as string[];
  return undefined;
}

/** `ProdServingScalingPolicy7E6D23F7` -> `<env>ServingScalingPolicy<hash>` (CDK's unique id of a path). */
function derivedId(word: string, env: NamedEnvironment): string | undefined {
  if (!word.startsWith(env.stageId)) return undefined;
  const rest = /^([A-Z][A-Za-z0-9]*?)[0-9A-F]{8}$/.exec(word.slice(env.stageId.length));
  return rest ? `${ENV_PLACEHOLDER}${rest[1]}<hash>` : undefined;
}

function loneWord(word: string, env: NamedEnvironment): string {
  if (word === env.name || word === env.stageId) return ENV_PLACEHOLDER;
  return derivedId(word, env) ?? word;
}

/** Placeholders go inside JSON strings; a name that was a bare JSON word (`true`) stays text. */
function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
