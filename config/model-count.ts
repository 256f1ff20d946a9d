import { type MlEnvConfigInput, modelCodeDirectory } from './schema';

/**
 * The configuration `input` with `count` models: its first model and copies of it named
 * `<name>2`, `<name>3`, ... (the benchmark's and the scale test's N = 1, 10, 50), each running
 * the first model's code. (Not `<name>-2`: a model named after another and a dash is refused.)
 */
export function withModelCount(input: MlEnvConfigInput, count: number): MlEnvConfigInput {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`a model count must be a whole number of at least 1, not ${count}`);
  const [first] = input.models;
  if (!first) throw new Error('the configuration has no model to copy');
  return {
    ...input,
    models: Array.from({ length: count }, (_, i) => ({
      ...first,
      name: i === 0 ? first.name : `${first.name}${i + 1}`,
      code: modelCodeDirectory(first),
    })),
  };
}
